"""Demo reputation: contributors at every level, Experts in several categories, a moderator's
grant, a vote-fraud case — all derived from the demo reviews, answers and votes.

The reviews and Q&A steps create content and votes; this step
1. spreads the votes over the time since each review or answer was written (votes of a real
   community arrive over months, so charts and daily caps look real; a vote never predates its
   voter's account),
2. tops up helpful votes on the reviews of a few regulars so that they become Experts of a
   category by the rules (500 reputation from ≥ 10 people on ≥ 5 days, well-rated reviews)
   and one becomes a Connoisseur without being an Expert,
3. derives the whole ledger with ``rebuild_reputation`` — so every number shown is exactly what
   the incremental path would have produced — then re-checks Experts, awards badges, lets a
   moderator grant one Expert status by hand and has ``detect_vote_fraud`` catch a burst of
   serial votes.

Idempotent: once the demo Experts exist, nothing is added.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from community.catalog.models import CategoryPage, ProductPage
from community.demo import DemoContext
from community.moderation.models import Status
from community.qa.models import Answer, AnswerVote, Question, QuestionVote
from community.text import sanitize
from experts import ledger, services, sources
from experts.fraud import detect_vote_fraud
from experts.models import CategoryReputation, ExpertStatus, ReputationTotal
from experts.rebuild import rebuild_reputation
from experts.rules import current_rules
from reviews import aggregates as review_aggregates
from reviews.models import Review, ReviewVote

# username → top-level category they become an Expert of by the rules.
EXPERTS = {"anna": "Ноутбуки и компьютеры", "dmitry": "Смартфоны и гаджеты", "olga": "Бытовая техника"}
# A Connoisseur (500+) whose reputation is spread over categories: no Expert status.
CONNOISSEUR = "sergey"
# A moderator grants this status by hand (a service engineer the shop knows).
GRANTED = ("pavel", "Комплектующие", "Инженер авторизованного сервисного центра, знания проверены модератором.")
SERIAL = ("artem", 12)  # a voter who "helps a friend" with a burst of votes

REVIEW_TEXTS = [
    ("Подробный обзор после трёх месяцев",
     "Пользуюсь три месяца каждый день. Сравнивал с двумя конкурентами в магазине и дома.\n\n"
     "Что понравилось: сборка, тишина, понятные настройки. Что нет: коробка громоздкая, а инструкция "
     "слишком краткая — пришлось разбираться самому. Если нужен совет по настройке, пишите в вопросах.",
     "Сборка\nТишина\nПонятные настройки", "Инструкция слишком краткая"),
    ("Честно о плюсах и минусах",
     "Брал на замену старой модели, которой было пять лет. Разница заметна сразу.\n\n"
     "Минусы тоже есть: за полгода заметил пару мелочей, о них ниже. В целом за свои деньги лучше "
     "вариантов не нашёл — проверял характеристики и замеры в обзорах.",
     "Быстрая работа\nХорошая гарантия", "Пара мелочей в прошивке"),
    ("Опыт использования и советы",
     "Перед покупкой изучил все вопросы и отзывы здесь. Делюсь опытом, чтобы вам было проще.\n\n"
     "Настройте всё сразу после распаковки, обновите прошивку и не забывайте про регулярное "
     "обслуживание — тогда проблем не будет. Через полгода впечатления только лучше.",
     "Надёжность\nЭкономичность", "Цена могла бы быть ниже"),
]


def seed(context: DemoContext) -> None:
    user_model = get_user_model()
    if ExpertStatus.objects.filter(user__username__in=list(EXPERTS)).exists():
        context.log(f"experts: already there ({ExpertStatus.objects.filter(is_expert=True).count()} Expert statuses)")
        return
    people = {u.username: u for u in user_model.objects.filter(is_active=True).select_related("profile")}
    categories = {c.title: c for c in CategoryPage.objects.filter(depth=3)}
    now = timezone.now()
    rules = current_rules()
    _spread_votes(context, now)
    serial = _serial_burst(context, people, now)
    _backdate_acceptances(context, now)
    rebuild_reputation(now=now, progress=context.progress)
    # Top up the chosen regulars from people who are not themselves chosen (no mutual voting).
    chosen = {*EXPERTS, CONNOISSEUR, GRANTED[0], SERIAL[0]}
    voters = [u for u in people.values() if not u.is_staff and u.profile.email_verified
              and u.username not in chosen and u.date_joined < now - timedelta(days=90)]
    for username, title in EXPERTS.items():
        if username in people and title in categories:
            _make_expert(context, people[username], categories[title], voters, now, rules)
    if CONNOISSEUR in people:
        _make_connoisseur(context, people[CONNOISSEUR], list(categories.values()), voters, now, rules)
    review_aggregates.review_aggregates_rebuild()
    report = rebuild_reputation(now=now, progress=context.progress)
    username, title, reason = GRANTED
    moderator = people.get("moderator")
    if moderator is not None and username in people and title in categories:
        services.expert_grant(moderator=moderator, user=people[username], category=categories[title], reason=reason)
    fraud = detect_vote_fraud(now=now) if serial else None
    services.experts_check(now=now)
    services.badges_award(user_ids=list(user_model.objects.filter(reputation_events__isnull=False)
                                        .values_list("pk", flat=True).distinct()), now=now)
    experts = ExpertStatus.objects.filter(is_expert=True).count()
    context.log(f"experts: a ledger of {report.live_before + report.added - report.reversed} live events, "
                f"{experts} Expert statuses, {fraud.votes_reversed if fraud else 0} serial votes reversed")


def _spread_votes(context: DemoContext, now) -> None:
    """Each vote at a moment between the later of (content written, voter joined + 1 day) and now."""
    rng = context.rng

    def moment(start, joined):
        lower = max(start, joined + timedelta(days=1)) + timedelta(hours=1)
        if lower >= now - timedelta(hours=2):
            return now - timedelta(hours=2)
        return lower + (now - timedelta(hours=2) - lower) * (rng.random() ** 2)  # most votes come early

    rows = list(ReviewVote.objects.values_list("pk", "review__created", "voter__date_joined"))
    updates = []
    for pk, written, joined in rows:
        when = moment(written, joined)
        updates.append(ReviewVote(pk=pk, created=when, updated=when))
    ReviewVote.objects.bulk_update(updates, ["created", "updated"], batch_size=1000)
    rows = list(AnswerVote.objects.values_list("pk", "answer__created", "voter__date_joined"))
    AnswerVote.objects.bulk_update([AnswerVote(pk=pk, created=(w := moment(a, j)), updated=w) for pk, a, j in rows],
                                   ["created", "updated"], batch_size=1000)
    rows = list(QuestionVote.objects.values_list("pk", "question__created", "voter__date_joined"))
    QuestionVote.objects.bulk_update([QuestionVote(pk=pk, created=moment(q, j)) for pk, q, j in rows], ["created"],
                                     batch_size=1000)


def _reviews_in(user, category, products, count: int, rng, now) -> list[Review]:
    """The user's published reviews in the category, written now if there are fewer than ``count``."""
    have = list(Review.objects.published().filter(author=user, product__top_category=category))
    taken = {r.product_id for r in Review.objects.filter(author=user)}
    free = [p for p in products if p.top_category_id == category.pk and p.pk not in taken]
    for title, text, pros, cons in REVIEW_TEXTS[: max(0, count - len(have))]:
        if not free:
            break
        product = free.pop(rng.randrange(len(free)))
        body, plus, minus = sanitize(text), sanitize(pros, required=False), sanitize(cons, required=False)
        review = Review.objects.create(
            author=user, product=product, rating=rng.choice([4, 5, 5]), title=title, text=body.source,
            text_html=body.html, pros=plus.source, pros_html=plus.html, cons=minus.source, cons_html=minus.html,
            status=Status.PUBLISHED,
        )
        Review.objects.filter(pk=review.pk).update(created=now - timedelta(days=rng.randint(60, 200)))
        have.append(Review.objects.get(pk=review.pk))
    return have


def _top_up(user, targets: list[Review], voters: list, *, days: int, rng, now) -> None:
    """One helpful vote on each review of ``targets`` (a review may repeat), from people who have
    not voted on it yet, spread over the last ``days`` days."""
    already = set(ReviewVote.objects.filter(review__in=set(targets)).values_list("voter_id", "review_id"))
    candidates = [v for v in voters if v.pk != user.pk]
    rows, moments = [], []
    for n, review in enumerate(targets):
        choices = [v for v in candidates if (v.pk, review.pk) not in already]
        if not choices:
            continue
        voter = rng.choice(choices)
        already.add((voter.pk, review.pk))
        when = now - timedelta(days=1 + (n * days) // max(len(targets), 1), hours=rng.randint(0, 10))
        when = max(when, review.created + timedelta(hours=2))
        rows.append(ReviewVote(voter=voter, review=review, helpful=True))
        moments.append((voter.pk, review.pk, when))
    ReviewVote.objects.bulk_create(rows, ignore_conflicts=True)
    for voter_id, review_id, when in moments:  # bulk_create stamps "now" on auto fields
        ReviewVote.objects.filter(voter_id=voter_id, review_id=review_id).update(created=when, updated=when)


def _points_in(user, category) -> int:
    row = CategoryReputation.objects.filter(user=user, category=category).first()
    return row.points if row else 0


def _make_expert(context: DemoContext, user, category, voters, now, rules) -> None:
    """Enough helpful votes, from enough people over enough days, to pass every criterion."""
    products = list(ProductPage.objects.live().filter(top_category=category))
    reviews = _reviews_in(user, category, products, rules.expert_reviews, context.rng, now)
    if not reviews:
        return
    # Their best reviews in the category: well rated (all helpful, 8 or more: Wilson ≥ 0.67).
    helpful = dict(ReviewVote.objects.filter(review__in=reviews, helpful=True).values("review_id")
                   .annotate(n=Count("pk")).values_list("review_id", "n"))
    focus = sorted(reviews, key=lambda r: (-helpful.get(r.pk, 0), r.pk))[:rules.expert_reviews]
    ReviewVote.objects.filter(review__in=focus, helpful=False).delete()
    targets = [r for r in focus for _ in range(max(0, 8 - helpful.get(r.pk, 0)))]
    missing = rules.expert_reputation + 60 - _points_in(user, category) - len(targets) * rules.review_helpful
    targets += [focus[n % len(focus)] for n in range(max(0, -(-missing // rules.review_helpful)))]
    _top_up(user, targets, voters, days=45, rng=context.rng, now=now)


def _make_connoisseur(context: DemoContext, user, categories, voters, now, rules) -> None:
    """Over 500 in all, spread so that no category reaches the Expert threshold."""
    missing = rules.trusted_at + 80 - (ReputationTotal.objects.filter(user=user).values_list("points", flat=True)
                                       .first() or 0)
    if missing <= 0:
        return
    per_category = -(-missing // (3 * rules.review_helpful))
    for category in categories[:3]:
        if _points_in(user, category) + per_category * rules.review_helpful >= rules.expert_reputation:
            continue
        products = list(ProductPage.objects.live().filter(top_category=category))
        reviews = _reviews_in(user, category, products, 1, context.rng, now)[:1]
        if reviews:
            _top_up(user, reviews * per_category, voters, days=60, rng=context.rng, now=now)


def _serial_burst(context: DemoContext, people: dict, now) -> bool:
    """A voter gives a dozen helpful votes to one author's reviews and answers within two hours
    yesterday — what ``detect_vote_fraud`` is there to catch."""
    username, count = SERIAL
    voter = people.get(username)
    if voter is None:
        return False
    skip = [voter.pk, *(u.pk for name, u in people.items() if name in EXPERTS)]
    reviews = Review.objects.published().exclude(author_id__in=skip).exclude(votes__voter=voter)
    answers = (Answer.objects.published().filter(question__status=Status.PUBLISHED).exclude(author_id__in=skip)
               .exclude(votes__voter=voter))
    counts: dict[int, int] = {}
    for author_id in [*reviews.values_list("author_id", flat=True), *answers.values_list("author_id", flat=True)]:
        counts[author_id] = counts.get(author_id, 0) + 1
    target = max(counts, key=lambda a: (counts[a], -a), default=None)
    if target is None or counts[target] < current_rules().serial_votes:
        return False
    content = [*reviews.filter(author_id=target).order_by("pk"), *answers.filter(author_id=target).order_by("pk")]
    start = now - timedelta(hours=26)
    for n, item in enumerate(content[:count]):
        when = start + timedelta(minutes=9 * n)
        if isinstance(item, Review):
            ReviewVote.objects.create(voter=voter, review=item, helpful=True)
            ReviewVote.objects.filter(voter=voter, review=item).update(created=when, updated=when)
        else:
            AnswerVote.objects.create(voter=voter, answer=item, value=1, created=when, updated=when)
    return True


def _backdate_acceptances(context: DemoContext, now) -> None:
    """Accepted answers were accepted hours to days after they were written (Q&A stores no time)."""
    accepted = list(Question.objects.filter(accepted_answer__isnull=False).values_list(
        "accepted_answer_id", "accepted_answer__created"))
    if not accepted:
        return
    times = {answer_id: min(now - timedelta(hours=1), written + timedelta(hours=context.rng.randint(2, 72)))
             for answer_id, written in accepted}
    ctx = sources.Context(rules=current_rules(), now=now, accepted_times=times)
    scopes = [sources.Scope(sources.ANSWER, answer_id, parts=frozenset({sources.ACCEPT})) for answer_id in times]
    ledger.reconcile(scopes=scopes, ctx=ctx, why="demo content: accepted in the past")
