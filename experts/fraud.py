"""Vote-fraud defence: find serial and mutual voting and reverse it, with the evidence.

* **Serial voting**: at least ``serial_votes`` votes from one voter on one author's content
  within ``serial_window_hours`` (any such window). Every vote inside such a window is reversed.
* **Mutual voting**: two people who each gave the other at least ``mutual_votes`` up votes
  within ``mutual_window_days``. Those up votes, both ways, are reversed.

A reversed vote is recorded as a :class:`~experts.models.FraudulentVote` of a
:class:`~experts.models.FraudCase` holding the evidence; from then on the rules give it no
reputation (even if re-cast), the ledger reverses its event, the reversal is written to the
audit log. Running again finds nothing new: detection is idempotent.

**Reviews after a vote ring** (a fake-review signal): reviews the ring's members (the author it
pushed; both people of a mutual pair) wrote from the ring's first vote to ``RING_AFTER`` after
its last are raised in the moderation queue with the case as evidence — once per case and
review; nothing is hidden. Recent cases are looked at on every run, so a review written after
the detection is raised by the next run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from wagtail.log_actions import log

from community.qa.models import VoteValue
from experts import ledger, sources
from experts.models import FraudCase, FraudKind, FraudulentVote
from experts.rules import Rules, current_rules

LOG_ACTION = "experts.fraud_reversal"
RING_AFTER = timedelta(days=7)


@dataclass
class FraudReport:
    cases: list[FraudCase] = field(default_factory=list)
    votes_reversed: int = 0
    points_reversed: int = 0
    reviews_raised: int = 0


# --- votes as fraud detection sees them ----------------------------------------------------------

_POSITIVE = {sources.REVIEW: Q(helpful=True), sources.ANSWER: Q(value=VoteValue.UP), sources.QUESTION: Q()}


def _votes_since(kind: str, since: datetime | None, positive_only: bool):
    rows = sources.VOTE_MODELS[kind].objects.all()
    if since is not None:
        rows = rows.filter(created__gte=since)
    if positive_only:
        rows = rows.filter(_POSITIVE[kind])
    return rows


def vote_pair_counts(*, since: datetime | None, positive_only: bool = False, at_least: int = 1) -> dict[tuple[int, int], int]:
    """Votes per (voter, author of the content) since ``since``, over every kind (one query a kind)."""
    counts: dict[tuple[int, int], int] = {}
    for kind, target in sources.VOTE_TARGET.items():
        rows = (_votes_since(kind, since, positive_only).values_list("voter_id", f"{target}__author_id")
                .annotate(n=Count("pk")).order_by())
        for voter_id, author_id, n in rows.iterator(chunk_size=sources.CHUNK):
            counts[(voter_id, author_id)] = counts.get((voter_id, author_id), 0) + n
    return {pair: n for pair, n in counts.items() if n >= at_least}


@dataclass(frozen=True)
class CastVote:
    kind: str
    object_id: int
    voter_id: int
    author_id: int
    created: datetime

    def as_evidence(self) -> dict:
        return {"kind": self.kind, "content": self.object_id, "voter": self.voter_id, "author": self.author_id,
                "at": self.created.isoformat()}


def votes_between(*, voter_id: int, author_id: int, since: datetime | None, positive_only: bool = False) -> list[CastVote]:
    """Every vote ``voter_id`` cast on ``author_id``'s content since ``since``, oldest first."""
    found = []
    for kind, target in sources.VOTE_TARGET.items():
        rows = _votes_since(kind, since, positive_only).filter(
            voter_id=voter_id, **{f"{target}__author_id": author_id}).values_list(f"{target}_id", "created")
        found += [CastVote(kind, object_id, voter_id, author_id, created) for object_id, created in rows]
    return sorted(found, key=lambda v: (v.created, v.kind, v.object_id))


# --- detection -------------------------------------------------------------------------------------


def _already_reversed() -> set[tuple[str, int, int]]:
    kinds = {ContentType.objects.get_for_model(model).pk: kind for kind, model in sources.MODELS.items()}
    return {(kinds[ct], o, v) for ct, o, v in FraudulentVote.objects.values_list("content_type_id", "object_id", "voter_id")
            if ct in kinds}


def serial_bursts(votes: list[CastVote], *, size: int, window: timedelta) -> list[CastVote]:
    """The votes that fall inside some window of length ``window`` holding ≥ ``size`` votes."""
    flagged: set[int] = set()
    start = 0
    for end in range(len(votes)):
        while votes[end].created - votes[start].created > window:
            start += 1
        if end - start + 1 >= size:
            flagged.update(range(start, end + 1))
    return [votes[i] for i in sorted(flagged)]


def detect_vote_fraud(*, now: datetime | None = None, everything: bool = False, rules: Rules | None = None,
                      dry_run: bool = False) -> FraudReport:
    """Find and reverse serial and mutual voting; return what was reversed.

    Looks at the last two serial windows and the last mutual window (``everything`` scans all
    history). Each case is its own transaction: the case, its votes, the ledger reversals and
    the audit log entry commit together.
    """
    now = now or timezone.now()
    rules = rules or current_rules()
    report = FraudReport()
    done = _already_reversed()
    window = timedelta(hours=rules.serial_window_hours)
    since = None if everything else now - 2 * window
    for (voter_id, author_id), _count in sorted(
            vote_pair_counts(since=since, at_least=rules.serial_votes).items()):
        votes = [v for v in votes_between(voter_id=voter_id, author_id=author_id, since=since)
                 if (v.kind, v.object_id, v.voter_id) not in done]
        burst = serial_bursts(votes, size=rules.serial_votes, window=window)
        if burst:
            evidence = {"rule": f"≥ {rules.serial_votes} votes within {rules.serial_window_hours} h",
                        "votes": [v.as_evidence() for v in burst]}
            _open_case(FraudKind.SERIAL, voter_id, author_id, burst, evidence, rules, now, report, dry_run)
            done.update((v.kind, v.object_id, v.voter_id) for v in burst)
    since = None if everything else now - timedelta(days=rules.mutual_window_days)
    ups = vote_pair_counts(since=since, positive_only=True, at_least=rules.mutual_votes)
    for voter_id, author_id in sorted(ups):
        if voter_id > author_id or (author_id, voter_id) not in ups:
            continue  # each unordered pair once
        one_way = votes_between(voter_id=voter_id, author_id=author_id, since=since, positive_only=True)
        other_way = votes_between(voter_id=author_id, author_id=voter_id, since=since, positive_only=True)
        votes = [v for v in one_way + other_way if (v.kind, v.object_id, v.voter_id) not in done]
        if not votes:
            continue
        evidence = {"rule": f"≥ {rules.mutual_votes} up votes each way within {rules.mutual_window_days} days",
                    "a_to_b": len(one_way), "b_to_a": len(other_way), "votes": [v.as_evidence() for v in votes]}
        _open_case(FraudKind.MUTUAL, voter_id, author_id, votes, evidence, rules, now, report, dry_run)
        done.update((v.kind, v.object_id, v.voter_id) for v in votes)
    if not dry_run:
        report.reviews_raised = raise_reviews_after_rings(now=now)
    return report


def raise_reviews_after_rings(*, now: datetime | None = None) -> int:
    """Raise the reviews written by the members of recent vote rings from the ring's first vote to
    ``RING_AFTER`` after its last (see the module's docstring). Returns how many were raised."""
    from django.utils.translation import gettext as _

    from community.moderation.models import QueueReason, Status
    from community.moderation.queue import queue_raise
    from reviews.models import Review

    now = now or timezone.now()
    raised = 0
    for case in FraudCase.objects.filter(created__gte=now - 2 * RING_AFTER).order_by("pk"):
        times = [datetime.fromisoformat(v["at"]) for v in case.evidence.get("votes", []) if v.get("at")]
        if not times:
            continue
        first, last = min(times), max(times)
        members = {case.author_id} | ({case.voter_id} if case.kind == FraudKind.MUTUAL else set())
        reviews = (Review.objects.filter(author_id__in=members, created__gte=first, created__lte=last + RING_AFTER)
                   .exclude(status__in=[Status.REMOVED, Status.REJECTED]).order_by("pk"))
        summary = _("vote ring #%(case)d (%(kind)s, %(votes)d votes reversed), its last vote on %(last)s") % {
            "case": case.pk, "kind": case.get_kind_display(), "votes": case.votes_reversed,
            "last": timezone.localtime(last).strftime("%d.%m.%Y %H:%M")}
        for review in reviews:
            if queue_raise(content=review, code=QueueReason.SIGNAL, key=f"vote_ring:{case.pk}",
                           text=_("Written by an account a vote ring pushed, around the ring."),
                           evidence={"summary": summary, "case": case.pk}):
                raised += 1
    return raised


def _open_case(kind, voter_id, author_id, votes, evidence, rules, now, report, dry_run) -> None:
    if dry_run:
        report.cases.append(FraudCase(kind=kind, voter_id=voter_id, author_id=author_id, evidence=evidence,
                                      votes_reversed=len(votes)))
        report.votes_reversed += len(votes)
        return
    with transaction.atomic():
        case = FraudCase.objects.create(kind=kind, voter_id=voter_id, author_id=author_id, evidence=evidence,
                                        votes_reversed=len(votes))
        FraudulentVote.objects.bulk_create([
            FraudulentVote(case=case, content_type_id=sources.content_type_id(v.kind), object_id=v.object_id,
                           voter_id=v.voter_id) for v in votes
        ], ignore_conflicts=True)
        scopes = sorted({sources.Scope(v.kind, v.object_id, voter_id=v.voter_id) for v in votes},
                        key=lambda s: (s.kind, s.object_id, s.voter_id))
        outcome = ledger.reconcile(scopes=scopes, ctx=sources.Context(rules=rules, now=now),
                                   why=f"vote fraud: case #{case.pk} ({case.get_kind_display()})")
        points = sum(e.delta for e in outcome.reversed) - sum(e.delta for e in outcome.added)
        evidence["points_reversed"] = points
        case.evidence = evidence
        case.save(update_fields=["evidence"])
        log(instance=case, action=LOG_ACTION, user=None, title=str(case)[:255], data=evidence)
    report.cases.append(case)
    report.votes_reversed += len(votes)
    report.points_reversed += points
