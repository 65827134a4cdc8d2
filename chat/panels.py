"""The live room panel as the server renders it: the latest messages (works without JS), the
form, and what the page script needs to go live. Used by product pages, direct
conversations, the lounge and tickets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chat.errors import ChatError
from chat.models import MESSAGE_MAX_LENGTH, RoomKind
from chat.permissions import Access
from chat.rooms import RoomRef
from chat.selectors import MessagePage, membership_for, message_page
from community.moderation.services import can_moderate

DRAFT_SESSION_KEY = "chat_drafts"


@dataclass
class Panel:
    key: str
    kind: str
    page: MessagePage
    page_url: str
    post_url: str
    older_url: str | None
    can_write: bool
    reason: str
    reason_code: str
    viewer: Any
    can_moderate: bool
    client_id: str
    draft: str = ""
    error: str = ""
    before: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self):
        return self.page.messages

    @property
    def dom_id(self) -> str:
        return self.key.replace(":", "-")

    @property
    def last_id(self) -> int:
        # A page of older messages is not live: the script resumes only from the newest page.
        return self.page.last_id if self.before is None else 0

    @property
    def viewer_username(self) -> str:
        return self.viewer.get_username() if self.viewer is not None else ""

    @property
    def edit_window(self) -> int:
        return settings.CHAT_EDIT_WINDOW_SECONDS

    @property
    def max_length(self) -> int:
        return MESSAGE_MAX_LENGTH

    @property
    def is_support(self) -> bool:
        """A private support dialog: staff speak as «Служба поддержки», without badges."""
        return self.kind == RoomKind.TICKET

    @property
    def is_live(self) -> bool:
        return self.before is None


def build_panel(request: HttpRequest, *, ref: RoomRef, access: Access, page_url: str, post_url: str,
                older_base: str, error: str = "", draft: str | None = None,
                latest: MessagePage | None = None, muted_until: datetime | None | bool = False) -> Panel:
    """The panel for ``ref`` as ``request.user`` sees it: one query for the messages (with their
    authors), one more for a signed-in reader (are they muted here?).

    ``?before=<id>`` in the request shows the page of messages older than that id. A caller that
    already has the latest messages (``latest``, e.g. from a page's shared cache) or the reader's
    ``muted_until`` (None: not muted) passes them and saves those queries.
    """
    before = _int_or_none(request.GET.get("before"))
    product_id = ref.product.pk if ref.kind == RoomKind.PRODUCT and ref.product is not None else None
    if latest is not None and before is None:
        page = latest
    else:
        page = message_page(room=ref.room, product_id=product_id, before=before)
    user = request.user if request.user.is_authenticated else None
    can_write, code = access.write, access.code
    reason = ""
    if can_write and user is not None:
        if muted_until is False:
            membership = membership_for(user=user, room=ref.room, product_id=product_id)
            muted = membership is not None and membership.is_muted()
        else:
            muted = muted_until is not None and muted_until > timezone.now()
        if muted:
            can_write, code = False, "muted"
    if not can_write:
        reason = ChatError(code or "forbidden").message
    older_url = None
    if page.has_older and page.first_id:
        older_url = older_base + ("&" if "?" in older_base else "?") + urlencode({"before": page.first_id})
    if draft is None:
        draft = pop_draft(request, ref.key)
    return Panel(
        key=ref.key, kind=ref.kind, page=page, page_url=page_url, post_url=post_url, older_url=older_url,
        can_write=can_write, reason=reason, reason_code=code, viewer=user,
        can_moderate=bool(user and can_moderate(user)) and ref.kind in (RoomKind.PRODUCT, RoomKind.LOUNGE),
        client_id=uuid.uuid4().hex, draft=draft or "", error=error, before=before,
    )


def keep_draft(request: HttpRequest, key: str, body: str) -> None:
    """Keep the text of a message that could not be sent (no-JS form), to show it again."""
    drafts = request.session.get(DRAFT_SESSION_KEY, {})
    drafts[key] = (body or "")[:MESSAGE_MAX_LENGTH * 2]
    request.session[DRAFT_SESSION_KEY] = drafts


def pop_draft(request: HttpRequest, key: str) -> str:
    session = getattr(request, "session", None)
    if session is None or DRAFT_SESSION_KEY not in session:
        return ""
    drafts = session.get(DRAFT_SESSION_KEY, {})
    draft = drafts.pop(key, "")
    session[DRAFT_SESSION_KEY] = drafts
    return draft


def script_strings() -> dict[str, Any]:
    """The words the page script shows, in the page's language."""
    return {
        "connecting": _("connecting…"),
        "reconnecting": _("reconnecting…"),
        "typing": _("%(name)s is typing…"),
        "presence": {
            "one": ngettext("%(count)s person online", "%(count)s people online", 1),
            "few": ngettext("%(count)s person online", "%(count)s people online", 2),
            "many": ngettext("%(count)s person online", "%(count)s people online", 5),
            "other": ngettext("%(count)s person online", "%(count)s people online", 5),
        },
        "sending": _("sending…"),
        "failed": _("not sent"),
        "retry": _("Retry"),
        "deleted": _("Message deleted"),
        "earlier": _("Earlier messages"),
        "closed": _("This ticket is closed. Reopen it to write."),
        "error": _("Something went wrong on our side. Try again."),
        "new_ticket": _("New ticket"),
    }


def _int_or_none(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
