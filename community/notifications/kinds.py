"""The kinds of notification, described by the apps that cause them (hook ``notification_kinds``).

The notifications app names no feature app. Each app registers a callable returning its
:class:`NotificationKind` objects; a kind says what its notification reads like, its default
email frequency, and which domain events of :mod:`community.events` produce it (``listens``:
event name → builder). A builder runs inside the cause's transaction with the event's keyword
arguments and returns :class:`Announcement` objects; :func:`community.notifications.services.announce`
turns them into notifications.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from community.notifications.models import Frequency


@dataclass(frozen=True)
class Announcement:
    """Something to tell ``recipient_ids`` once: ``cause`` makes the idempotency key
    (``<kind>:<cause>:<recipient>``). ``target`` is the content it is about (withdrawn when that
    stops being visible); ``batch`` merges it into the recipient's unread notification of the
    same kind and target (helpful votes: «5 человек сочли ваш отзыв полезным»); a batch counts
    distinct actors, or every announcement with ``count_each`` (messages of one conversation)."""

    kind: str
    cause: str
    url: str
    recipient_ids: Iterable[int]
    actor_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    target: Any = None
    batch: bool = False
    count_each: bool = False


Builder = Callable[..., Iterable[Announcement]]


@dataclass(frozen=True)
class NotificationKind:
    """``message`` is a translatable text with ``%(name)s`` placeholders filled from the stored
    params (escaped); ``label`` names the kind on the settings page."""

    key: str
    label: str
    message: str
    default_frequency: str = Frequency.DAILY
    listens: dict[str, Builder] = field(default_factory=dict)
    #: A message for batches (``count`` > 1), plural by ``count``:
    #: ``ngettext_lazy("%(count)s person found…", "%(count)s people found…", "count")``.
    batch_message: str = ""
    order: int = 100
    #: The email's template in ``notifications/email/`` (``.txt`` and ``.html``).
    email_template: str = "notification"
    #: Account notices that must reach a deactivated (banned) account too — in the account and by
    #: email (at once rather than in a digest, which deactivated accounts do not get).
    reaches_inactive: bool = False

    def render(self, params: dict) -> SafeString:
        """The notification's text with every parameter escaped."""
        escaped = {name: value if isinstance(value, int) else conditional_escape(value)
                   for name, value in params.items()}
        message = self.batch_message if self.batch_message and params.get("count", 1) > 1 else self.message
        try:
            return mark_safe(str(message % escaped))
        except (KeyError, TypeError, ValueError):
            return format_html("{}", str(self.label))


UNKNOWN = NotificationKind(key="unknown", label=_("Notification"), message=_("You have a notification."))


@cache
def _registry() -> dict[str, NotificationKind]:
    found: dict[str, NotificationKind] = {}
    for hook in hooks.get_hooks("notification_kinds"):
        for kind in hook() or ():
            found[kind.key] = kind
    return found


def all_kinds() -> list[NotificationKind]:
    return sorted(_registry().values(), key=lambda kind: (kind.order, kind.key))


def get_kind(key: str) -> NotificationKind:
    return _registry().get(key, UNKNOWN)


def builders_for(event_name: str) -> list[tuple[NotificationKind, Builder]]:
    return [(kind, kind.listens[event_name]) for kind in all_kinds() if event_name in kind.listens]


def reset_registry() -> None:
    """Forget the kinds read from the hooks (tests that register a kind of their own)."""
    _registry.cache_clear()
