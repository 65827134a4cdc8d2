"""The Wagtail admin of reputation, one module per viewset: the ledger, Expert statuses (with
moderators' overrides), fraud cases, who voted on any content, and the badges snippet.

Moderators (permission ``moderation.moderate_content``) can see everything here and grant or
revoke Expert status with a reason; nobody edits the ledger (it is append-only); staff edit
badges; the point values are in Settings → Reputation rules.

``ReputationGroup`` is the «Репутация» menu (ledger, statuses, fraud, votes); the badges
snippet (``badges.BadgeViewSet``) sits under Snippets. Both are registered from
``experts/wagtail_hooks.py``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup

from experts.admin.fraud import FraudCaseViewSet
from experts.admin.ledger import LedgerViewSet
from experts.admin.statuses import ExpertStatusViewSet
from experts.admin.votes import VotesViewSet


class ReputationGroup(ViewSetGroup):
    menu_label = _("Reputation")
    menu_icon = "pick"
    menu_order = 260
    items = (LedgerViewSet("experts_ledger"), ExpertStatusViewSet("experts_statuses"),
             FraudCaseViewSet("experts_fraud"), VotesViewSet("experts_votes"))
