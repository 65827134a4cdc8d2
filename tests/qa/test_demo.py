"""The demo Q&A: realistic, varied, consistent and idempotent."""

import random
from io import StringIO

from community.demo import DemoContext
from community.moderation.models import Status
from community.qa import demo
from community.qa.aggregates import rebuild
from community.qa.models import Answer, Question


def run_demo(products: int = 10):
    from community.accounts import demo as accounts_demo
    from community.catalog import demo as catalog_demo

    context = DemoContext(products=products, rng=random.Random(2026), progress=False, out=StringIO())
    catalog_demo.seed(context)
    accounts_demo.seed(context)
    demo.seed(context)
    return context


def test_the_demo_has_answered_accepted_unanswered_staff_and_pending_questions(db, settings):
    settings.MODERATION_PREMODERATE_FIRST = 1
    run_demo()
    published = Question.objects.filter(status=Status.PUBLISHED)
    assert published.count() >= 15
    assert published.filter(answer_count=0).exists()
    assert published.filter(accepted_answer__isnull=False).exists()
    assert Answer.objects.filter(is_staff_answer=True, author__username="support").exists()
    assert Question.objects.filter(status=Status.PENDING, author__username="novice").count() == 1
    assert published.filter(vote_score__gt=0).exists()
    report = rebuild(dry_run=True)
    assert (report.questions_fixed, report.answers_fixed) == (0, 0)


def test_running_the_demo_twice_adds_nothing(db):
    run_demo()
    counts = (Question.objects.count(), Answer.objects.count())
    context = run_demo()
    assert (Question.objects.count(), Answer.objects.count()) == counts
    assert "already there" in context.out.getvalue()
