"""Chat's template tags: a message's list item, the lines of a room (the header's «Сообщения»
link is a ``header_items`` hook)."""

from __future__ import annotations

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

_ACTIONS = "chat/_message_actions.html"


@register.filter
def chat_editable(message) -> bool:
    """Whether the message is still within its author's edit window."""
    from datetime import timedelta

    from django.conf import settings

    return timezone.now() - message.created <= timedelta(seconds=settings.CHAT_EDIT_WINDOW_SECONDS)


def message_head(message, *, support: bool) -> SafeString:
    """A message's head in the active language: author (``frames.author_html``, rendered once per
    process for the same author), time, «(edited)» and the sanitized text. Built here rather than
    by a template: the chat's writer renders every new message in each UI language, and a
    template took 40 % of its time (bench.chat)."""
    from chat.frames import author_html
    from community.seo import iso_datetime

    local = timezone.localtime(message.created)
    edited = format_html(' <span class="chat-edited">{}</span>', gettext("(edited)")) if message.edited_at else ""
    return format_html(
        '<div class="chat-message-meta">{} <time class="chat-time" datetime="{}" title="{}">{}</time>{}</div>\n'
        '  <div class="chat-message-body">{}</div>\n',
        author_html(message.author, support=support), iso_datetime(message.created),
        formats.date_format(local, "DATETIME_FORMAT"), local.strftime("%d.%m %H:%M"), edited,
        mark_safe(message.body_html))  # noqa: S308  (sanitized when stored: chat.services.clean_text)


def line_start(message, *, support: bool) -> SafeString:
    """A message's list item up to the viewer's actions: the item's tag and the head (author,
    time, text). The same for every viewer: a product page keeps it rendered under its version
    (``shared_html``), and the frames send it with an empty actions part (:func:`frame_line`)."""
    author = message.author.username if not support or not message.author.is_staff else ""
    return format_html(
        '<li class="chat-message" id="chat-message-{}" data-id="{}" data-author="{}" data-created="{}">\n  {}',
        message.pk, message.pk, author, timezone.localtime(message.created).isoformat(),
        message_head(message, support=support))


def frame_line(message, *, support: bool) -> SafeString:
    """A message's list item as the frames send it: no viewer, so no actions (the page script adds
    the reader's own); the same markup ``{% chat_message %}`` renders without a viewer."""
    return mark_safe(f"{line_start(message, support=support)}\n  \n</li>\n")  # noqa: S308  (built by format_html)


def _line(context, engine, message, viewer, support: bool, panel) -> str:
    """A message's list item: its start (the shared rendering when the page has one), and the
    viewer's actions on it (their own message, or any when they moderate the room)."""
    start = getattr(message, "shared_html", None) or line_start(message, support=support)
    actions = ""
    if viewer and (message.author_id == viewer.pk or getattr(panel, "can_moderate", False)):
        with context.push(message=message, viewer=viewer, support=support, panel=panel):
            actions = engine.get_template(_ACTIONS).render(context)
    return mark_safe(f"{start}\n  {actions}\n</li>")  # noqa: S308  (escaped by _line_start and the template)


@register.simple_tag(takes_context=True)
def chat_message_start(context, message) -> str:
    """:func:`line_start` of ``message`` (``support`` from the context): what a product page
    renders once per version for everyone (``chat/_message_start.html``)."""
    return line_start(message, support=bool(context.get("support")))


@register.simple_tag(takes_context=True)
def chat_message(context, message) -> str:
    """One message's list item; the context gives ``viewer``, ``support`` and ``panel`` (the
    frames render it with no viewer: the page script adds the viewer's own controls)."""
    return _line(context, context.template.engine, message, context.get("viewer"), bool(context.get("support")),
                 context.get("panel"))


@register.simple_tag(takes_context=True)
def chat_lines(context, panel) -> str:
    """The list items of ``panel``'s messages. One tag for the fifty lines of a page, not fifty
    included templates: those were a tenth of a product page's time."""
    engine = context.template.engine
    return mark_safe("".join(  # noqa: S308  (each line is built by format_html)
        _line(context, engine, message, panel.viewer, bool(panel.is_support), panel) for message in panel.messages))
