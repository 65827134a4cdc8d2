"""The load scenario still runs: ``bench.load`` drives locust against a real daphne process for a
few seconds (browsing, voting, posting, chat sockets) and sees no 5xx.

A smoke test of the bench, not a benchmark: it checks that the locust file, the plan and the
report fit the site as it is today, and asserts nothing about time.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from bench.load import build_plan, server_env
from tests import factories
from tests.conftest import ROOT, DaphneServer, free_port

# Looked up, not imported: importing locust monkey-patches the process for gevent.
pytestmark = [
    pytest.mark.server, pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not (importlib.util.find_spec("locust") and importlib.util.find_spec("websocket")),
                       reason="the bench extra is not installed (pip install -e '.[bench]')"),
]

PASSWORD = "load-smoke-password"  # noqa: S105


@pytest.fixture
def community(page_tree, settings):
    """Two shoppers who can log in on the server (a hasher it knows), a review, a question with
    an answer."""
    from community.qa import services as qa_services
    from reviews import services as review_services

    settings.MODERATION_PREMODERATE_FIRST = 0
    hasher = PBKDF2PasswordHasher()
    users = [factories.UserFactory(username=name, verified=True) for name in ("hamlet", "ophelia")]
    for user in users:
        user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
        user.save(update_fields=["password"])
    product = page_tree["products"][0]
    review_services.review_create(author=users[0], product=product, rating=5, title="Отличный",
                                  text="Работает тихо, держит заряд весь день.")
    question = qa_services.question_ask(author=users[0], product=product, title="Есть ли подсветка клавиатуры?")
    qa_services.answer_post(author=users[1], question=question, text="Есть, белая, три уровня.")
    return users


@pytest.mark.slow
def test_the_locust_scenario_runs_against_a_real_server_without_a_5xx(community, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = server_env(database_url="", redis_url=os.environ.get("REDIS_URL", ""),
                     prefix=f"load-smoke-{port}", hosts=[url])
    env.pop("DATABASE_URL")  # the test database (DaphneServer's)
    server = DaphneServer(env_extra=env, port=port).start()
    try:
        plan = build_plan(hosts=[url], password=PASSWORD, usernames=["hamlet", "ophelia"], hot_rooms=1, dm_pairs=1)
        assert plan["reviews"] and plan["answers"] and plan["questions"] and plan["dm_pairs"]
        plan_path = tmp_path / "plan.json"
        plan_path.write_text(json.dumps(plan, ensure_ascii=False))
        result = subprocess.run(
            [sys.executable, "-m", "bench.load", "--hosts", url, "--plan", str(plan_path), "--minutes", "0.17",
             "--users", "12", "--spawn-rate", "12"],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )
    finally:
        server.stop()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "5xx responses: 0" in output
    for line in ("GET home", "GET product", "POST log in", "WS connect + subscribe", "WS send → ack"):
        assert line in output, f"{line!r} missing:\n{output}"
