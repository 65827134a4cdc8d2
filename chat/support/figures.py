"""The support desk's figures: how well support works and what customers ask about most.

Tickets opened and closed per week, median and p90 time to first answer and to resolution
(overall and per agent), the reopen rate, the top topics, and an SVG chart of the weeks. A
fixed number of queries whatever the number of tickets: one read of the period's tickets (five
columns), one count per topic, one of the agents' names.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from chat.support.models import Ticket, TicketTag

WEEKS = 12


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` quantile (0…1) by linear interpolation, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Durations:
    first_answer: list[float] = field(default_factory=list)  # hours
    resolution: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float | None]:
        return {"first_median": percentile(self.first_answer, 0.5), "first_p90": percentile(self.first_answer, 0.9),
                "resolution_median": percentile(self.resolution, 0.5),
                "resolution_p90": percentile(self.resolution, 0.9),
                "answered": len(self.first_answer), "resolved": len(self.resolution)}


@dataclass
class Week:
    start: datetime
    opened: int = 0
    closed: int = 0


@dataclass
class Figures:
    weeks: list[Week]
    total: int
    overall: dict
    agents: list[tuple[str, dict]]
    reopen_rate: float | None
    topics: list[tuple[str, int]]
    chart: dict


def support_figures(*, weeks: int = WEEKS, now: datetime | None = None) -> Figures:
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    first_week = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    rows = Ticket.objects.filter(Q(created__gte=first_week) | Q(first_closed_at__gte=first_week)).values_list(
        "created", "first_response_at", "first_closed_at", "assignee_id", "reopen_count").order_by()
    buckets = [Week(start=first_week + timedelta(weeks=i)) for i in range(weeks)]
    overall, per_agent = Durations(), defaultdict(Durations)
    total = reopened = closed_total = 0

    def index(moment: datetime) -> int:
        return (moment - first_week) // timedelta(weeks=1)

    for created, first_response, first_closed, assignee, reopen_count in rows.iterator(chunk_size=5000):
        if created >= first_week:
            total += 1
            buckets[min(index(created), weeks - 1)].opened += 1
            for target in (overall, per_agent[assignee]):
                if first_response:
                    target.first_answer.append((first_response - created).total_seconds() / 3600)
                if first_closed:
                    target.resolution.append((first_closed - created).total_seconds() / 3600)
        if first_closed and first_closed >= first_week:
            buckets[min(index(first_closed), weeks - 1)].closed += 1
            closed_total += 1
            reopened += bool(reopen_count)
    names = dict(get_user_model().objects.filter(pk__in=[a for a in per_agent if a]).values_list("pk", "username"))
    agents = sorted(((names.get(a, "—"), d.summary()) for a, d in per_agent.items() if a), key=lambda x: x[0])
    topics = list(TicketTag.objects.annotate(n=Count("tickets", filter=Q(tickets__created__gte=first_week)))
                  .filter(n__gt=0).order_by("-n", "name").values_list("name", "n")[:10])
    return Figures(weeks=buckets, total=total, overall=overall.summary(), agents=agents,
                   reopen_rate=reopened / closed_total if closed_total else None, topics=topics,
                   chart=_chart(buckets))


def _chart(weeks: list[Week], width: int = 640, height: int = 200, pad: int = 28) -> dict:
    """Two polylines (opened, closed) over the weeks, in SVG user units."""
    top = max([1, *[w.opened for w in weeks], *[w.closed for w in weeks]])
    step = (width - 2 * pad) / max(1, len(weeks) - 1)

    def points(values: list[int]) -> str:
        return " ".join(f"{pad + i * step:.1f},{height - pad - v / top * (height - 2 * pad):.1f}"
                        for i, v in enumerate(values))

    return {"width": width, "height": height, "max": top, "pad": pad, "bottom": height - pad,
            "opened": points([w.opened for w in weeks]), "closed": points([w.closed for w in weeks]),
            "labels": [(pad + i * step, w.start) for i, w in enumerate(weeks)][::2]}
