"""Read paths of reputation: profile blocks, leaderboards, Experts of a category, and what the
Expert criteria and badges count in reviews and Q&A.

Each selector runs a fixed number of queries whatever the amount of data (tests prove it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.catalog.models import CategoryPage
from community.moderation.models import Status
from community.qa.models import Answer
from experts import chart
from experts.models import (
    BadgeMetric,
    CategoryReputation,
    ExpertStatus,
    Reason,
    ReputationEvent,
    ReputationTotal,
    UserBadge,
)
from experts.rules import Rules, current_rules
from reviews.models import Review

LEADERBOARD_PAGE_SIZE = 25
RECENT_EVENTS = 15
CONTRIBUTIONS = 10
EXPERT_REVIEWS = 3

PERIODS = {
    "week": gettext_lazy("This week"),
    "month": gettext_lazy("This month so far"),
    "all": gettext_lazy("All time"),
}

_EVENT_TEXTS = {
    Reason.REVIEW_HELPFUL: gettext_lazy("for a helpful review of “%(product)s”"),
    Reason.REVIEW_UNHELPFUL: gettext_lazy("for a review of “%(product)s” found not helpful"),
    Reason.ANSWER_UP: gettext_lazy("for a helpful answer about “%(product)s”"),
    Reason.ANSWER_DOWN: gettext_lazy("for an answer about “%(product)s” voted down"),
    Reason.ANSWER_ACCEPTED: gettext_lazy("for an accepted answer about “%(product)s”"),
    Reason.ANSWER_ACCEPTED_ASKER: gettext_lazy("for accepting an answer about “%(product)s”"),
    Reason.QUESTION_UP: gettext_lazy("for a question about “%(product)s” that others have too"),
    Reason.FLAG_UPHELD: gettext_lazy("for content about “%(product)s” taken down after reports"),
}


def event_text(event: ReputationEvent) -> str:
    """«+10 за полезный отзыв о „…“» without the number (templates add it)."""
    product = event.product.title if event.product_id and event.product else _("a product")
    return str(_EVENT_TEXTS[event.reason]) % {"product": product}


# --- Experts -------------------------------------------------------------------------------------


def experts_of_category(*, category_id: int | None) -> list:
    """The active users who are Experts of the category now (for routing questions)."""
    if not category_id:
        return []
    return list(get_user_model().objects.filter(
        expert_statuses__category_id=category_id, expert_statuses__is_expert=True, is_active=True,
    ).select_related("profile").order_by("pk"))


def expert_statuses_of_category(*, category: CategoryPage, limit: int) -> list[ExpertStatus]:
    """The category's active Experts' statuses, each with its user and profile and ``points``
    (reputation earned in the category), highest first (one query)."""
    points = CategoryReputation.objects.filter(user=OuterRef("user_id"), category=category).values("points")[:1]
    return list(
        ExpertStatus.objects.filter(category=category, is_expert=True, user__is_active=True)
        .select_related("user__profile")
        .annotate(points=Coalesce(Subquery(points), 0))
        .order_by("-points", "user_id")[:limit]
    )


def expert_reviews_for_product(*, product, limit: int = EXPERT_REVIEWS) -> list:
    """Published reviews of ``product`` by Experts of its top-level category, most helpful first
    (one query, authors with their profiles)."""
    return list(reviews_of_experts(product=product, category_id=product.top_category_id, limit=limit))


# --- profiles ------------------------------------------------------------------------------------


@dataclass
class CategoryLine:
    category: CategoryPage
    points: int
    status: ExpertStatus | None

    @property
    def reputation(self) -> int:
        return max(0, self.points)

    @property
    def is_expert(self) -> bool:
        return bool(self.status and self.status.is_expert)


@dataclass
class ReputationBlock:
    user: object
    reputation: int
    level: str
    level_label: str
    next_level_label: str = ""
    next_level_at: int | None = None
    categories: list[CategoryLine] = field(default_factory=list)
    experts_in: list[CategoryLine] = field(default_factory=list)
    badges: list[UserBadge] = field(default_factory=list)
    events: list[ReputationEvent] = field(default_factory=list)
    chart: chart.Chart | None = None
    rules: Rules | None = None

    @property
    def to_next_level(self) -> int | None:
        return None if self.next_level_at is None else max(0, self.next_level_at - self.reputation)


def profile_reputation(*, user, now: datetime | None = None) -> ReputationBlock:
    """Everything the profile's reputation block shows (six queries)."""
    from community.accounts.models import Level

    rules = current_rules()
    profile = user.profile
    block = ReputationBlock(user=user, reputation=profile.reputation, level=profile.level,
                            level_label=profile.get_level_display(), rules=rules)
    if profile.level == Level.NEWCOMER:
        block.next_level_label, block.next_level_at = str(Level.MEMBER.label), rules.member_at
    elif profile.level == Level.MEMBER:
        block.next_level_label, block.next_level_at = str(Level.TRUSTED.label), rules.trusted_at
    statuses = {s.category_id: s for s in ExpertStatus.objects.filter(user=user)}
    lines = [
        CategoryLine(category=row.category, points=row.points, status=statuses.get(row.category_id))
        for row in CategoryReputation.objects.filter(user=user).select_related("category").order_by("-points", "pk")
    ]
    block.categories = [line for line in lines if line.points or line.is_expert]
    block.experts_in = [line for line in lines if line.is_expert]
    block.badges = list(UserBadge.objects.filter(user=user).select_related("badge").order_by("badge__sort_order", "pk"))
    block.events = list(
        ReputationEvent.objects.live().filter(user=user).select_related("product").order_by("-created", "-pk")
        [:RECENT_EVENTS]
    )
    for event in block.events:
        event.text = event_text(event)
    block.chart = reputation_chart(user=user, rules=rules, now=now)
    return block


def reputation_chart(*, user, rules: Rules, now: datetime | None = None) -> chart.Chart:
    """Reputation at the end of each day with a change, from joining to today (one query)."""
    tz = timezone.get_current_timezone()
    days = (
        ReputationEvent.objects.live().filter(user=user)
        .annotate(day=TruncDate("created", tzinfo=tz)).values("day").annotate(change=Sum("delta")).order_by("day")
    )
    today = timezone.localtime(now or timezone.now()).date()
    joined = timezone.localtime(user.date_joined).date()
    running = 0
    points: list[tuple[date, int]] = [(min(joined, today), rules.reputation_for(0))]
    for row in days:
        running += row["change"]
        points.append((row["day"], rules.reputation_for(running)))
    points.append((today, rules.reputation_for(running)))
    return chart.build(points)


@dataclass
class Contributions:
    reviews: list
    answers: list


def profile_contributions(*, user) -> Contributions:
    reviews, answers = user_contributions(user=user, limit=CONTRIBUTIONS)
    return Contributions(reviews=reviews, answers=answers)


def cabinet_reputation(*, user) -> ReputationBlock:
    """The personal account's short block: level, progress, Expert categories (three queries)."""
    from community.accounts.models import Level

    rules = current_rules()
    profile = user.profile
    block = ReputationBlock(user=user, reputation=profile.reputation, level=profile.level,
                            level_label=profile.get_level_display(), rules=rules)
    if profile.level == Level.NEWCOMER:
        block.next_level_label, block.next_level_at = str(Level.MEMBER.label), rules.member_at
    elif profile.level == Level.MEMBER:
        block.next_level_label, block.next_level_at = str(Level.TRUSTED.label), rules.trusted_at
    block.experts_in = [
        CategoryLine(category=s.category, points=0, status=s)
        for s in ExpertStatus.objects.filter(user=user, is_expert=True).select_related("category")
    ]
    return block


# --- leaderboards --------------------------------------------------------------------------------


def top_categories() -> QuerySet[CategoryPage]:
    return CategoryPage.objects.live().filter(depth=3).order_by("title")


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    """Monday 00:00 of this week, the 1st of this month (``TIME_ZONE``), or None for all time."""
    local = timezone.localtime(now or timezone.now())
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return midnight - timedelta(days=midnight.weekday())
    if period == "month":
        return midnight.replace(day=1)
    return None


@dataclass
class LeaderRow:
    rank: int
    user: object
    points: int


def leaderboard(*, category: CategoryPage | None, period: str, page_number, now: datetime | None = None,
                per_page: int = LEADERBOARD_PAGE_SIZE) -> tuple[Page, list[LeaderRow]]:
    """Top contributors (overall or in one top-level category) for the period, paginated.

    All time reads the stored totals; a week or a month sums the live ledger. Three queries
    (count, page, users) whatever the number of users or events.
    """
    start = period_start(period, now)
    user_model = get_user_model()
    if start is None:
        model = ReputationTotal if category is None else CategoryReputation
        rows = model.objects.filter(points__gt=0, user__is_active=True)
        if category is not None:
            rows = rows.filter(category=category)
        rows = rows.values("user_id", "points").order_by("-points", "user_id")
    else:
        rows = ReputationEvent.objects.live().filter(created__gte=start, user__is_active=True)
        if category is not None:
            rows = rows.filter(category=category)
        rows = (rows.values("user_id").annotate(points=Sum("delta")).filter(points__gt=0)
                .order_by("-points", "user_id"))
    page = Paginator(rows, per_page).get_page(page_number)
    entries = list(page.object_list)
    users = user_model.objects.select_related("profile").in_bulk([e["user_id"] for e in entries])
    offset = page.start_index()
    leaders = [LeaderRow(rank=offset + i, user=users[e["user_id"]], points=e["points"])
               for i, e in enumerate(entries) if e["user_id"] in users]
    return page, leaders


# --- what the Expert criteria, badges and profiles read from reviews and Q&A -------------------


def well_rated_review_counts(*, user_ids, category_ids, min_score: float) -> dict[tuple[int, int], int]:
    """Published reviews per (author, top-level category) whose Wilson helpful score ≥ ``min_score``."""
    rows = (Review.objects.published().filter(author_id__in=user_ids, product__top_category_id__in=category_ids,
                                              helpful_score__gte=min_score)
            .values("author_id", "product__top_category_id").annotate(n=Count("pk")).order_by()
            .values_list("author_id", "product__top_category_id", "n"))
    return {(u, c): n for u, c, n in rows}


def reviews_of_experts(*, product, category_id: int | None, limit: int):
    """The product's published reviews whose authors are Experts of its top-level category."""
    if not category_id:
        return Review.objects.none()
    experts = ExpertStatus.objects.filter(category_id=category_id, is_expert=True).values("user_id")
    return (Review.objects.published().filter(product=product, author_id__in=experts)
            .select_related("author__profile").order_by("-helpful_score", "-created", "-pk")[:limit])


def user_contributions(*, user, limit: int) -> tuple[list, list]:
    """A user's latest published reviews and answers, with what their rows show (two queries)."""
    reviews = list(Review.objects.published().filter(author=user).select_related("product")
                   .order_by("-created", "-pk")[:limit])
    answers = list(Answer.objects.published().filter(author=user, question__status=Status.PUBLISHED)
                   .select_related("question__product").order_by("-created", "-pk")[:limit])
    return reviews, answers


def badge_metrics(*, user, metrics: set[str]) -> dict[str, int]:
    """The user's count for each badge metric asked for (one query each)."""
    published_reviews = Review.objects.published().filter(author=user)
    live = ReputationEvent.objects.live().filter(user=user)
    counters = {
        BadgeMetric.REVIEWS: lambda: published_reviews.count(),
        BadgeMetric.PHOTO_REVIEWS: lambda: published_reviews.filter(photos__status=Status.PUBLISHED)
        .values("pk").distinct().count(),
        BadgeMetric.HELPFUL_VOTES: lambda: live.filter(reason=Reason.REVIEW_HELPFUL).count(),
        BadgeMetric.HELPFUL_REVIEWS: lambda: published_reviews.filter(
            helpful_count__gt=F("unhelpful_count")).count(),
        BadgeMetric.ANSWERS: lambda: Answer.objects.published().filter(author=user).count(),
        BadgeMetric.ACCEPTED_ANSWERS: lambda: live.filter(reason=Reason.ANSWER_ACCEPTED).count(),
        BadgeMetric.REPUTATION: lambda: user.profile.reputation,
        BadgeMetric.EXPERT_CATEGORIES: lambda: len(user.profile.expert_categories),
    }
    return {metric: counters[metric]() for metric in metrics if metric in counters}


@dataclass
class CategoryExperts:
    """A top-level category and its Experts who earned the most reputation in it this week."""

    category: CategoryPage
    leaders: list[LeaderRow]


def top_experts_of_the_week(*, per_category: int = 3, now: datetime | None = None) -> list[CategoryExperts]:
    """Per top-level category, its Experts ranked by the reputation they earned there since
    Monday (three queries: the sums, the users with profiles, the categories)."""
    start = period_start("week", now)
    is_expert_here = ExpertStatus.objects.filter(user=OuterRef("user_id"), category=OuterRef("category_id"),
                                                 is_expert=True)
    rows = list(
        ReputationEvent.objects.live().filter(created__gte=start, user__is_active=True, category__isnull=False)
        .filter(Exists(is_expert_here))
        .values("category_id", "user_id").annotate(points=Sum("delta")).filter(points__gt=0)
        .order_by("category_id", "-points", "user_id")
    )
    by_category: dict[int, list[dict]] = {}
    for row in rows:
        entries = by_category.setdefault(row["category_id"], [])
        if len(entries) < per_category:
            entries.append(row)
    if not by_category:
        return []
    users = get_user_model().objects.select_related("profile").in_bulk(
        {row["user_id"] for entries in by_category.values() for row in entries})
    categories = CategoryPage.objects.filter(pk__in=by_category).order_by("title")
    return [
        CategoryExperts(category=category, leaders=[
            LeaderRow(rank=n, user=users[row["user_id"]], points=row["points"])
            for n, row in enumerate(by_category[category.pk], start=1) if row["user_id"] in users])
        for category in categories
    ]
