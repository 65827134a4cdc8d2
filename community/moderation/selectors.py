"""Read paths of moderation: the queue page, counts per kind, a user's moderation record.

The queue page costs a fixed number of queries whatever its length: one for the page of items
(with author, profile, product and claimant joined), one count, and one each for the page's
open reports, its authors' strikes and sanctions, its open appeals and the counts per kind.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from community.moderation.models import Appeal, Decision, Flag, QueueItem, Sanction
from community.moderation.registry import kinds

PER_PAGE = 50
ORDERS = {"oldest": ("opened_at", "id"), "priority": ("-priority", "opened_at", "id"),
          "newest": ("-opened_at", "-id")}


@dataclass
class QueueRow:
    item: QueueItem
    kind_label: str
    admin_url: str | None
    flags: list[Flag] = field(default_factory=list)
    strikes: int = 0
    sanctions: list[Sanction] = field(default_factory=list)
    appeal: Appeal | None = None

    @property
    def account_age_days(self) -> int | None:
        author = self.item.author
        return (timezone.now() - author.date_joined).days if author else None


@dataclass
class QueuePage:
    page: Page
    rows: list[QueueRow]
    counts: dict[str, int]
    total_open: int


def queue_items(*, kind: str = "", reason: str = "", product: str = "", category_id: int | None = None,
                author: str = "", claimed: str = "", moderator=None, order: str = "oldest") -> QuerySet[QueueItem]:
    """The open items matching the filters, in the chosen order (oldest first by default)."""
    items = QueueItem.objects.open().select_related("author__profile", "product", "claimed_by")
    if kind:
        items = items.filter(kind=kind)
    if reason:
        items = items.filter(reason_codes__contains=reason)
    if product:
        items = items.filter(product__title__icontains=product)
    if category_id:
        items = items.filter(category_id=category_id)
    if author:
        items = items.filter(author__username__icontains=author)
    if claimed == "mine" and moderator is not None:
        items = items.filter(claimed_by=moderator)
    elif claimed == "unclaimed":
        items = items.filter(claimed_by__isnull=True)
    return items.order_by(*ORDERS.get(order, ORDERS["oldest"]))


def queue_counts() -> dict[str, int]:
    """Open items per kind (every registered kind, zeros included)."""
    found = dict(QueueItem.objects.open().values_list("kind").annotate(n=Count("id")).order_by())
    return {key: found.get(key, 0) for key in kinds()}


def queue_page(*, items: QuerySet[QueueItem], page_number, per_page: int = PER_PAGE) -> QueuePage:
    from django.urls import NoReverseMatch, reverse

    page = Paginator(items, per_page).get_page(page_number)
    page_items = list(page.object_list)
    registered = kinds()
    by_ct: dict[int, list[int]] = defaultdict(list)
    for item in page_items:
        by_ct[item.content_type_id].append(item.object_id)
    flags: dict[tuple[int, int], list[Flag]] = defaultdict(list)
    appeals: dict[tuple[int, int], Appeal] = {}
    if by_ct:
        condition = Q()
        for ct, ids in by_ct.items():
            condition |= Q(content_type_id=ct, object_id__in=ids)
        for flag in Flag.objects.open().filter(condition).order_by("created"):
            flags[(flag.content_type_id, flag.object_id)].append(flag)
        appeal_condition = Q()
        for ct, ids in by_ct.items():
            appeal_condition |= Q(decision__content_type_id=ct, decision__object_id__in=ids)
        if any("appeal" in item.reason_codes for item in page_items):
            for appeal in Appeal.objects.filter(appeal_condition, resolved_at__isnull=True).select_related("decision"):
                appeals[(appeal.decision.content_type_id, appeal.decision.object_id)] = appeal
    author_ids = {item.author_id for item in page_items if item.author_id}
    strikes = dict(Decision.objects.filter(author_id__in=author_ids, strike=True).values_list("author_id")
                   .annotate(n=Count("id")).order_by()) if author_ids else {}
    sanctions: dict[int, list[Sanction]] = defaultdict(list)
    if author_ids:
        for sanction in Sanction.objects.in_force().filter(user_id__in=author_ids):
            sanctions[sanction.user_id].append(sanction)
    rows = []
    for item in page_items:
        kind = registered.get(item.kind)
        url = None
        if kind and kind.admin_url_name:
            try:
                url = reverse(kind.admin_url_name, args=[item.object_id])
            except NoReverseMatch:
                url = None
        rows.append(QueueRow(item=item, kind_label=str(kind.label) if kind else item.kind, admin_url=url,
                             flags=flags.get(item.content_key, []), strikes=strikes.get(item.author_id, 0),
                             sanctions=sanctions.get(item.author_id, []), appeal=appeals.get(item.content_key)))
    counts = queue_counts()
    return QueuePage(page=page, rows=rows, counts=counts, total_open=sum(counts.values()))


@dataclass
class UserRecord:
    """A user's moderation record for their admin page."""

    user: object
    contributions: dict[str, dict[str, int]]
    flags_raised: int
    flags_upheld: int
    flags_dismissed: int
    decisions: list[Decision]
    strikes: int
    sanctions: list[Sanction]
    in_force: list[Sanction]
    since: datetime | None = None


def user_record(*, user) -> UserRecord:
    """Contributions per kind and status, flags raised (and how they were judged), decisions,
    strikes and sanctions. A fixed number of queries (one per registered kind)."""
    contributions: dict[str, dict[str, int]] = {}
    for kind in kinds().values():
        counts = dict(kind.by_author(user.pk).values_list("status").annotate(n=Count("pk")).order_by())
        contributions[str(kind.label)] = counts
    raised = Flag.objects.filter(reporter=user).aggregate(
        n_total=Count("id"), n_upheld=Count("id", filter=Q(upheld=True)),
        n_dismissed=Count("id", filter=Q(upheld=False)))
    decisions = list(Decision.objects.filter(author=user).select_related("moderator")[:100])
    sanctions = list(Sanction.objects.filter(user=user).select_related("created_by", "lifted_by")
                     .annotate(hidden=Count("holds"), restored=Count("holds", filter=Q(holds__restored_at__isnull=False)))
                     [:50])
    now = timezone.now()
    in_force = [s for s in sanctions if s.lifted_at is None and (s.until is None or s.until > now)]
    return UserRecord(user=user, contributions=contributions, flags_raised=raised["n_total"],
                      flags_upheld=raised["n_upheld"], flags_dismissed=raised["n_dismissed"], decisions=decisions,
                      strikes=sum(1 for d in decisions if d.strike), sanctions=sanctions, in_force=in_force)


def decisions_for_author(*, user, limit: int = 20) -> list[Decision]:
    """Decisions the author is shown in their account (approvals are not news), with appeals."""
    return list(Decision.objects.filter(author=user).exclude(action__in=["approve", "dismiss"])
                .select_related("appeal").order_by("-created")[:limit])


def sanctions_for_user(*, user) -> list[Sanction]:
    return list(Sanction.objects.in_force().filter(user=user))


@dataclass
class UserSection:
    """A block another app adds to a user's moderation page (reputation, votes…): hook
    ``moderation_user_sections`` → ``(user) -> UserSection | None``."""

    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


def user_sections(*, user) -> list[UserSection]:
    from wagtail import hooks

    sections = [s for hook in hooks.get_hooks("moderation_user_sections") if (s := hook(user))]
    return sorted(sections, key=lambda s: s.order)
