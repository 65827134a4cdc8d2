"""Concurrent votes keep the ledger exact: the daily cap holds, nothing counts twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from experts import services
from experts.rebuild import rebuild_reputation
from reviews import services as review_services
from reviews.models import ReviewVote
from tests import factories as site_factories
from tests.experts.factories import TEXT, live, person, set_rules, total

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises every writer with one database lock, so it cannot show a race",
)


def _run_together(jobs) -> list[BaseException]:
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait()
            job()
        except BaseException as error:  # noqa: BLE001  (collected and re-raised by the test)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def world(transactional_db, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    home = site_factories.build_home()
    laptops = site_factories.category(home, "Ноутбуки")
    products = [site_factories.product(laptops, f"Ноутбук {n}") for n in range(2)]
    author = person("author")
    reviews = [review_services.review_create(author=author, product=p, rating=5, title="Отзыв", text=TEXT)
               for p in products]
    return author, reviews


def test_simultaneous_votes_never_break_the_daily_cap(world):
    author, reviews = world
    set_rules(daily_cap=20)
    voters = [person(f"voter{n}") for n in range(8)]
    jobs = [lambda v=v, n=n: review_services.review_vote(voter=v, review=reviews[n % 2], helpful=True)
            for n, v in enumerate(voters)]
    assert _run_together(jobs) == []
    assert ReviewVote.objects.count() == 8
    assert total(author) == 20
    assert sorted(e.delta for e in live(author)) == [0] * 6 + [10, 10]
    assert rebuild_reputation(check_only=True).exact


def test_the_same_vote_reconciled_by_two_processes_at_once_counts_once(world):
    author, reviews = world
    voter = person("voter")
    ReviewVote.objects.create(voter=voter, review=reviews[0], helpful=True)
    jobs = [lambda: services.reputation_for_vote(kind="review", object_id=reviews[0].pk, voter_id=voter.pk)] * 4
    assert _run_together(jobs) == []  # serialised by the author's lock, each re-reads the ledger
    assert len(live(author)) == 1 and total(author) == 10
