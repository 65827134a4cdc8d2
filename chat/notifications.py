"""What the chat tells people: a direct message while they are offline (registered with the
``notification_kinds`` hook in ``chat.wagtail_hooks``; the support desk's kinds are in
``chat.support.notifications``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from chat.models import Membership, RoomKind
from chat.presence import is_online
from community.moderation.models import Status
from community.notifications.kinds import Announcement, NotificationKind
from community.notifications.models import Frequency
from community.text import excerpt


def direct_message_while_offline(*, message, **kwargs) -> list[Announcement]:
    """A direct message tells its recipient when they have no socket open on any process (an
    online recipient sees it live). One notification per conversation until it is read: the
    next messages count into it («Анна: 3 новых сообщения»), and it is emailed once."""
    if message.room.kind != RoomKind.DIRECT or message.status != Status.PUBLISHED:
        return []
    others = Membership.objects.filter(room_id=message.room_id).exclude(user_id=message.author_id)
    offline = [user_id for user_id in others.values_list("user_id", flat=True) if not is_online(user_id)]
    if not offline:
        return []
    author = message.author
    return [Announcement(kind="chat.direct_message", cause=f"message:{message.pk}",
                         url=reverse("chat:direct", args=[author.get_username()]), recipient_ids=offline,
                         actor_id=author.pk, target=message.room, batch=True, count_each=True,
                         params={"name": author.profile.name, "excerpt": excerpt(message.body_html, 120)})]


def kinds() -> list[NotificationKind]:
    return [
        NotificationKind(key="chat.direct_message", label=_("A direct message while I am offline"), order=65,
                         message=_("%(name)s sent you a message: “%(excerpt)s”"),
                         batch_message=ngettext_lazy("%(name)s sent you %(count)s message; the latest: “%(excerpt)s”",
                                                     "%(name)s sent you %(count)s messages; the latest: “%(excerpt)s”",
                                                     "count"),
                         default_frequency=Frequency.IMMEDIATE,
                         listens={"message_posted": direct_message_while_offline}),
    ]
