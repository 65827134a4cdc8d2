"""After-commit broadcasts of the support desk (see ``chat.broadcast``): a ticket's open pages
hear its status and assignee change; signed-in staff hear a new ticket arrive."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from chat import frames
from chat.broadcast import group_send
from chat.rooms import STAFF_GROUP, group_name, room_key
from chat.support.models import Ticket


def ticket_frame_texts(ticket: Ticket, key: str) -> dict[str, str]:
    """The ticket's status frame: staff read the assignee's name, the customer «Служба поддержки»."""

    def build(_language: str, for_staff: bool) -> str:
        assignee = None
        if ticket.assignee_id:
            assignee = ticket.assignee.profile.name if for_staff else str(_("Support service"))
        return frames.encode("notification", kind="ticket", room=key, ticket=ticket.code, status=ticket.status,
                             status_label=str(ticket.get_status_display()), assignee=assignee)

    return frames.per_audience(build)


def ticket_changed(ticket_id: int) -> None:
    """Tell the ticket's open pages its status/assignee changed."""
    ticket = Ticket.objects.select_related("room", "assignee__profile").filter(pk=ticket_id).first()
    if ticket is None:
        return
    key = room_key(ticket.room)
    group_send(group_name(key), {"type": "chat.event", "room": key, "texts": ticket_frame_texts(ticket, key)})


def ticket_opened(ticket_id: int) -> None:
    """Tell signed-in staff that a new ticket arrived."""
    ticket = Ticket.objects.select_related("customer__profile").filter(pk=ticket_id).first()
    if ticket is None:
        return
    texts = {}
    for language in frames.languages():
        with translation.override(language):
            title = _("New ticket %(code)s: %(subject)s") % {"code": ticket.code, "subject": ticket.subject}
        texts[language] = frames.encode("notification", kind="ticket_opened", ticket=ticket.code, title=title,
                                        url=ticket.get_absolute_url())
    group_send(STAFF_GROUP, {"type": "chat.notify", "texts": texts})
