"""The one rate limiter: counters in the shared cache, a sliding window, a retry time."""

import pytest
from django.core.cache import cache

from community import ratelimit
from community.ratelimit import Limit


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_attempts_up_to_the_limit_are_allowed_and_the_next_is_refused_with_a_retry_time():
    limit = Limit(3, 10)
    decisions = [ratelimit.hit("t", "user:1", limit=limit, now=1000.0) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert 1 <= decisions[-1].retry_after <= 10


def test_identities_and_scopes_are_counted_apart():
    limit = Limit(1, 10)
    assert ratelimit.hit("t", "user:1", limit=limit, now=1000.0).allowed
    assert ratelimit.hit("t", "user:2", limit=limit, now=1000.0).allowed
    assert ratelimit.hit("u", "user:1", limit=limit, now=1000.0).allowed
    assert not ratelimit.hit("t", "user:1", limit=limit, now=1000.0).allowed


def test_a_burst_at_the_end_of_a_window_is_not_allowed_again_at_the_start_of_the_next():
    limit = Limit(4, 10)
    for _ in range(4):
        assert ratelimit.hit("t", "ip:1", limit=limit, now=1009.0).allowed
    # 1 s into the next window, 90 % of the previous window still counts.
    assert not ratelimit.hit("t", "ip:1", limit=limit, now=1011.0).allowed


def test_the_window_slides_so_attempts_come_back_as_time_passes():
    limit = Limit(2, 10)
    assert ratelimit.hit("t", "ip:2", limit=limit, now=1000.0).allowed
    assert ratelimit.hit("t", "ip:2", limit=limit, now=1000.0).allowed
    assert not ratelimit.hit("t", "ip:2", limit=limit, now=1001.0).allowed
    assert ratelimit.hit("t", "ip:2", limit=limit, now=1025.0).allowed


def test_limits_come_from_settings_and_a_zero_count_turns_a_scope_off(settings):
    settings.RATE_LIMITS = {"on": (1, 60), "off": (0, 60)}
    assert ratelimit.limit_for("on") == Limit(1, 60)
    assert ratelimit.limit_for("off") is None
    assert ratelimit.limit_for("missing") is None
    assert all(ratelimit.hit("off", "x").allowed for _ in range(50))


def test_the_client_address_trusts_forwarded_for_only_behind_configured_proxies(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.1")
    settings.TRUSTED_PROXY_COUNT = 0
    assert ratelimit.client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert ratelimit.client_ip(request) == "203.0.113.7"


def test_many_attempts_counted_at_once_are_decided_as_one_after_the_other():
    limit = Limit(4, 10)
    assert ratelimit.hit("t", "user:1", limit=limit, now=1000.0).allowed
    decisions = ratelimit.hit_many("t", "user:1", 5, limit=limit, now=1001.0)
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert all(1 <= d.retry_after <= 10 for d in decisions[3:])
    # The refused ones were counted too, as single attempts would have been.
    ratelimit.reset("t", "user:2", seconds=10)
    singles = [ratelimit.hit("t", "user:2", limit=limit, now=1001.0).allowed for _ in range(6)]
    assert singles == [True] * 4 + [False] * 2
    assert not ratelimit.hit("t", "user:1", limit=limit, now=1002.0).allowed
    assert ratelimit.hit_many("t", "user:3", 0, limit=limit) == []


def test_several_identities_counted_at_once_share_the_counters_of_single_attempts(settings):
    """On Redis ``hit_each`` is one pipeline; its counters are those ``hit`` reads and writes."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "t": (3, 10)}
    assert ratelimit.hit("t", "user:1", now=1000.0).allowed
    decided = ratelimit.hit_each("t", {"user:1": 3, "user:2": 2, "user:3": 0}, now=1001.0)
    assert {ident: [d.allowed for d in each] for ident, each in decided.items()} == {
        "user:1": [True, True, False], "user:2": [True, True]}
    assert ratelimit.hit("t", "user:2", now=1002.0).allowed
    assert not ratelimit.hit("t", "user:2", now=1002.0).allowed
    # The next window still weighs this one.
    assert not ratelimit.hit_each("t", {"user:1": 1}, now=1010.5)["user:1"][0].allowed
