"""Who voted on what, for moderators: every vote with whether it carried reputation, and why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from experts import sources
from experts.models import FraudulentVote, ReputationEvent
from experts.rules import current_rules

_TARGET = {sources.REVIEW: "review", sources.ANSWER: "answer", sources.QUESTION: "question"}


def vote_listing(*, kind: str, content_id: int | None = None, voter: str = "", author: str = ""):
    """The votes of one kind, newest first, filtered by content, voter or author username."""
    target = _TARGET[kind]
    model = sources.VOTE_MODELS[kind]
    rows = model.objects.all()
    if content_id:
        rows = rows.filter(**{f"{target}_id": content_id})
    if voter:
        rows = rows.filter(voter__username__iexact=voter)
    if author:
        rows = rows.filter(**{f"{target}__author__username__iexact": author})
    value = {"review": "helpful", "answer": "value", "question": "pk"}[target]
    return rows.order_by("-created", "-pk").values(
        "pk", f"{target}_id", "voter_id", value, "created", f"{target}__author_id",
    )


@dataclass
class VoteRow:
    kind: str
    content_id: int
    voter: object
    author: object
    value: str
    created: datetime
    carries: bool
    why_not: str


def describe(rows) -> list[VoteRow]:
    """Voters, authors and "carried reputation?" for one page of ``vote_listing`` (four queries)."""
    rows = list(rows)
    if not rows:
        return []
    kind = next(k for k, t in _TARGET.items() if f"{t}_id" in rows[0])
    target = _TARGET[kind]
    ct = sources.content_type_id(kind)
    rules = current_rules()
    people = get_user_model().objects.select_related("profile").in_bulk(
        {r["voter_id"] for r in rows} | {r[f"{target}__author_id"] for r in rows})
    ids = {r[f"{target}_id"] for r in rows}
    live = set(ReputationEvent.objects.live().filter(content_type_id=ct, object_id__in=ids)
               .values_list("object_id", "actor_id"))
    fraud = set(FraudulentVote.objects.filter(content_type_id=ct, object_id__in=ids).values_list("object_id", "voter_id"))
    result = []
    for r in rows:
        voter, author = people.get(r["voter_id"]), people.get(r[f"{target}__author_id"])
        object_id = r[f"{target}_id"]
        if kind == sources.REVIEW:
            value = _("helpful") if r["helpful"] else _("not helpful")
        elif kind == sources.ANSWER:
            value = "+1" if r["value"] > 0 else "−1"
        else:
            value = _("same question")
        carries = (object_id, r["voter_id"]) in live
        why_not = ""
        if not carries:
            if (object_id, r["voter_id"]) in fraud:
                why_not = _("reversed as vote fraud")
            elif voter and not voter.profile.email_verified:
                why_not = _("email not confirmed")
            elif voter and r["created"] - voter.date_joined < rules.voter_min_age:
                why_not = _("account too new when voting")
            else:
                why_not = _("content not published")
        result.append(VoteRow(kind=kind, content_id=object_id, voter=voter, author=author, value=value,
                              created=r["created"], carries=carries, why_not=why_not))
    return result
