"""Q&A test data: through the services for behaviour, in bulk for the size tests."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from community.accounts.models import Profile
from community.moderation.models import Status
from community.qa import services, terms
from community.qa.models import Answer, Question
from tests.factories import PASSWORD, UserFactory


def user(name: str, **kwargs):
    return UserFactory(username=name, verified=True, **kwargs)


def ask(author, product, title: str = "Есть ли в комплекте зарядка?", details: str = "") -> Question:
    return services.question_ask(author=author, product=product, title=title, details=details)


def answer(author, question, text: str = "Да, зарядка 65 Вт в коробке.") -> Answer:
    return services.answer_post(author=author, question=question, text=text)


def bulk_users(count: int, prefix: str = "bulk") -> list:
    """``count`` users with profiles, in two INSERTs (no signals)."""
    user_model = get_user_model()
    now = timezone.now() - timezone.timedelta(days=30)
    users = user_model.objects.bulk_create(
        [user_model(username=f"{prefix}{n}", email=f"{prefix}{n}@example.ru", date_joined=now, password=PASSWORD)
         for n in range(count)]
    )
    if not users or users[0].pk is None:  # databases that do not return ids
        users = list(user_model.objects.filter(username__startswith=prefix).order_by("pk"))
    Profile.objects.bulk_create([Profile(user=u, display_name=f"Покупатель {n}") for n, u in enumerate(users)])
    return users


def bulk_questions(product, authors: list, count: int, *, answered_every: int = 2) -> list[Question]:
    """``count`` published questions about ``product``; every ``answered_every``-th one answered."""
    now = timezone.now()
    questions = Question.objects.bulk_create([
        Question(product=product, author=authors[n % len(authors)], title=f"Вопрос номер {n} про ёмкость батареи",
                 slug=f"vopros-{n}", title_terms=terms.stored_terms(f"Вопрос номер {n} про ёмкость батареи"),
                 status=Status.PUBLISHED, created=now - timezone.timedelta(minutes=n), published_at=now,
                 vote_score=n % 7)
        for n in range(count)
    ])
    if questions[0].pk is None:
        questions = list(Question.objects.filter(product=product).order_by("-created"))
    answers = [
        Answer(question=q, author=authors[(n + 1) % len(authors)], text="Ответ", text_html="<p>Ответ</p>", text_excerpt="Ответ",
               status=Status.PUBLISHED, published_at=now, up_count=n % 5, score=n % 5)
        for n, q in enumerate(questions) if n % answered_every == 0
    ]
    Answer.objects.bulk_create(answers)
    Question.objects.filter(pk__in=[a.question_id for a in answers]).update(answer_count=1)
    return questions


def bulk_answers(question, authors: list) -> list[Answer]:
    """One published answer per author to ``question``; the counter follows."""
    now = timezone.now()
    answers = Answer.objects.bulk_create([
        Answer(question=question, author=a, text=f"Ответ {n}", text_html=f"<p>Ответ {n}</p>", text_excerpt=f"Ответ {n}", status=Status.PUBLISHED,
               published_at=now, up_count=n % 4, score=n % 4, is_verified_buyer=n % 3 == 0, is_staff_answer=n == 5)
        for n, a in enumerate(authors)
    ])
    Question.objects.filter(pk=question.pk).update(answer_count=len(authors))
    return answers
