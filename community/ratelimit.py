"""Rate limits that hold across processes: counters live in the shared cache (Redis when
``REDIS_URL`` is set; the local-memory cache of the embedded single-process mode otherwise).

One mechanism for every limit on the site — chat sends, ticket creation, reviews, questions,
answers, votes, flags, sign-up. A limit is a named *scope* with a count per window, read from
``settings.RATE_LIMITS`` (``{"scope": (count, seconds)}``); callers choose the identity
(``f"user:{id}"``, ``f"ip:{address}"``) and turn a refusal into the right answer for their
channel (a 429 page, a JSON error, a websocket ``error`` frame).

The counter is a sliding window approximated from two fixed windows (the current one, plus the
previous one weighted by how much of it still overlaps), incremented atomically with
``cache.add`` + ``cache.incr`` — so concurrent requests on different processes never both get
the last slot, and a burst across a window boundary is not allowed twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

KEY_PREFIX = "rl"


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # whole seconds until a new attempt can succeed (0 when allowed)


def limit_for(scope: str) -> Limit | None:
    """The configured limit of ``scope``; ``None`` when the scope is unlimited (missing, or a
    count of 0)."""
    configured = getattr(settings, "RATE_LIMITS", {}).get(scope)
    if not configured:
        return None
    count, seconds = configured
    if int(count) <= 0:
        return None
    return Limit(int(count), max(1, int(seconds)))


def hit(scope: str, ident: str, *, limit: Limit | None = None, now: float | None = None) -> Decision:
    """Count one attempt of ``ident`` in ``scope`` and say whether it is allowed.

    A refused attempt is counted too (a client hammering a closed door keeps it closed).
    """
    return hit_many(scope, ident, 1, limit=limit, now=now)[0]


def hit_many(scope: str, ident: str, attempts: int, *, limit: Limit | None = None,
             now: float | None = None) -> list[Decision]:
    """Count ``attempts`` attempts of ``ident`` in ``scope`` at once (one increment) and decide
    each as :func:`hit` would have, one after the other: the first ones fit, the rest are refused
    (and counted). The chat's writer counts a batch's sends per author this way."""
    limit = limit or limit_for(scope)
    if limit is None or attempts < 1:
        return [Decision(True)] * attempts
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    current_key = f"{KEY_PREFIX}:{scope}:{ident}:{window}"
    previous_key = f"{KEY_PREFIX}:{scope}:{ident}:{window - 1}"
    # Keys outlive two windows so the previous one can still be read.
    cache.add(current_key, 0, timeout=2 * limit.seconds + 1)
    try:
        last = cache.incr(current_key, attempts)
    except ValueError:  # expired between add and incr
        cache.add(current_key, attempts, timeout=2 * limit.seconds + 1)
        last = attempts
    previous = cache.get(previous_key) or 0
    elapsed = now - window * limit.seconds
    weight = 1 - elapsed / limit.seconds
    return [_decide(current, previous, weight, elapsed, limit) for current in range(last - attempts + 1, last + 1)]


def hit_each(scope: str, attempts: dict[str, int], *, now: float | None = None) -> dict[str, list[Decision]]:
    """:func:`hit_many` for several identities at once: ``{ident: attempts}`` → ``{ident:
    decisions}``. On Redis it is one round trip for all of them (a pipeline of the same
    ``SET NX`` / ``INCRBY`` / ``GET`` per identity); other caches count each in turn. The chat's
    writer counts a whole batch this way (a round trip from its database thread also waits for
    the event loop's hold on the interpreter)."""
    limit = limit_for(scope)
    attempts = {ident: count for ident, count in attempts.items() if count > 0}
    client = _redis_client()
    if limit is None or client is None or not attempts:
        return {ident: hit_many(scope, ident, count, limit=limit, now=now) for ident, count in attempts.items()}
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    elapsed = now - window * limit.seconds
    weight = 1 - elapsed / limit.seconds
    pipe = client.pipeline(transaction=False)
    for ident, count in attempts.items():
        current_key = cache.make_key(f"{KEY_PREFIX}:{scope}:{ident}:{window}")
        pipe.set(current_key, 0, nx=True, ex=2 * limit.seconds + 1)
        pipe.incrby(current_key, count)
        pipe.get(cache.make_key(f"{KEY_PREFIX}:{scope}:{ident}:{window - 1}"))
    replies = pipe.execute()
    decided = {}
    for n, (ident, count) in enumerate(attempts.items()):
        last, previous = int(replies[3 * n + 1]), int(replies[3 * n + 2] or 0)
        decided[ident] = [_decide(current, previous, weight, elapsed, limit)
                          for current in range(last - count + 1, last + 1)]
    return decided


def _redis_client():
    """The raw Redis client behind django-redis's cache (integers are stored as plain Redis
    integers there, so ``INCRBY`` and ``cache.incr`` count the same keys), or None."""
    get_client = getattr(getattr(cache, "client", None), "get_client", None)
    return get_client(write=True) if get_client is not None else None


def _decide(current: int, previous: int, weight: float, elapsed: float, limit: Limit) -> Decision:
    """The decision for the ``current``-th attempt of the window."""
    estimated = current + previous * weight
    if estimated <= limit.count:
        return Decision(True)
    # When will the estimate fall back to the limit? Past the window's end the previous
    # window's weight is gone; inside it, it falls linearly.
    if current > limit.count:
        wait = limit.seconds - elapsed
    else:
        needed = estimated - limit.count
        wait = needed / previous * limit.seconds if previous else limit.seconds - elapsed
    return Decision(False, retry_after=max(1, int(wait + 0.999)))


def reset(scope: str, ident: str, *, seconds: int) -> None:
    """Forget ``ident``'s attempts in ``scope`` (tests, and a moderator lifting a limit)."""
    window = int(time.time() // seconds)
    cache.delete_many([f"{KEY_PREFIX}:{scope}:{ident}:{w}" for w in (window, window - 1)])


def reset_all() -> None:
    """Forget every counted attempt — ours and django-allauth's (tests; an operator after an
    incident). On Redis only the limiters' keys go; the local-memory cache is cleared."""
    if hasattr(cache, "delete_pattern"):  # django-redis
        cache.delete_pattern(f"{KEY_PREFIX}:*")
        cache.delete_pattern("allauth:rl:*")
    else:
        cache.clear()


def client_ip(request) -> str:
    """The client's address as the trusted proxy reports it (``REMOTE_ADDR`` otherwise).

    ``settings.TRUSTED_PROXY_COUNT`` proxies in front of the site each append to
    ``X-Forwarded-For``; the address they saw is the one that many places from the end. With
    no trusted proxy the header is ignored (a client could write anything in it).
    """
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
