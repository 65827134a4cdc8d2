"""The live rules as a plain, immutable snapshot, read once per operation.

Everything that computes reputation takes a :class:`Rules` (never the settings model), so a
rebuild over a million votes reads the settings once and a test can pass its own numbers.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, fields
from datetime import timedelta

from django.core.cache import cache

from experts.models import Reason, ReputationRules


@dataclass(frozen=True)
class Rules:
    review_helpful: int = 10
    review_unhelpful: int = -2
    answer_up: int = 10
    answer_down: int = -2
    answer_accepted: int = 15
    answer_accepted_asker: int = 2
    question_up: int = 5
    flag_upheld: int = -100
    daily_cap: int = 200
    floor: int = 1
    member_at: int = 50
    trusted_at: int = 500
    expert_reputation: int = 500
    expert_voters: int = 10
    expert_days: int = 5
    expert_reviews: int = 3
    expert_wilson: float = 0.6
    expert_strike_days: int = 90
    expert_grace_days: int = 14
    voter_min_age_hours: int = 24
    serial_votes: int = 10
    serial_window_hours: int = 24
    mutual_votes: int = 5
    mutual_window_days: int = 30

    def points(self, reason: str) -> int:
        """The points a ``Reason`` gives by these rules."""
        return getattr(self, _REASON_FIELDS[reason])

    @property
    def voter_min_age(self) -> timedelta:
        return timedelta(hours=self.voter_min_age_hours)

    def reputation_for(self, points: int) -> int:
        """What a profile shows for a ledger sum: starts at ``floor``, never below it."""
        return max(self.floor, self.floor + points)

    def level_for(self, reputation: int) -> str:
        if reputation >= self.trusted_at:
            return "trusted"
        if reputation >= self.member_at:
            return "member"
        return "newcomer"


_REASON_FIELDS = {
    Reason.REVIEW_HELPFUL: "review_helpful",
    Reason.REVIEW_UNHELPFUL: "review_unhelpful",
    Reason.ANSWER_UP: "answer_up",
    Reason.ANSWER_DOWN: "answer_down",
    Reason.ANSWER_ACCEPTED: "answer_accepted",
    Reason.ANSWER_ACCEPTED_ASKER: "answer_accepted_asker",
    Reason.QUESTION_UP: "question_up",
    Reason.FLAG_UPHELD: "flag_upheld",
}

_FIELD_NAMES = [f.name for f in fields(Rules)]


def current_rules() -> Rules:
    """The rules as moderators set them in Wagtail settings (one query; defaults if none saved)."""
    stored = ReputationRules.load()
    return Rules(**{name: getattr(stored, name) for name in _FIELD_NAMES})


# --- the thresholds every author badge explains -------------------------------------------------

THRESHOLDS_KEY = "experts:reputation-thresholds"
THRESHOLDS_SECONDS = 30  # how long a process trusts its copy (a save clears it at once here)
_memo: dict = {}
_memo_lock = threading.Lock()


def reputation_thresholds() -> dict[str, int]:
    """``{"member", "trusted", "expert"}``: the reputation a level and Expert status need, for
    the badges' tooltips beside every author name. Read per page hundreds of times, so it costs
    no query: a process keeps a copy for ``THRESHOLDS_SECONDS``, backed by the shared cache;
    saving the rules clears both (other processes follow within that time)."""
    now = time.monotonic()
    with _memo_lock:
        if _memo and now - _memo["at"] < THRESHOLDS_SECONDS:
            return _memo["value"]
    value = cache.get(THRESHOLDS_KEY)
    if value is None:
        rules = current_rules()
        value = {"member": rules.member_at, "trusted": rules.trusted_at, "expert": rules.expert_reputation}
        cache.set(THRESHOLDS_KEY, value, None)
    with _memo_lock:
        _memo.update(value=value, at=now)
    return value


def forget_reputation_thresholds() -> None:
    """The rules changed: read them again (this process now, the others from the shared cache)."""
    with _memo_lock:
        _memo.clear()
    cache.delete(THRESHOLDS_KEY)
