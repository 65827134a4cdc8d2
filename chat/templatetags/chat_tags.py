"""Chat's template tags: a message's list item, the lines of a room (the header's «Сообщения»
link is a ``header_items`` hook)."""

from __future__ import annotations

import functools
import html

from django import template
from django.utils import formats, timezone, translation
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


def message_head(message, *, support: bool, local=None) -> SafeString:
    """A message's head in the active language: author (``frames.author_html``, rendered once per
    process for the same author), time, «(edited)» and the sanitized text. Built here rather than
    by a template: the chat's writer renders every new message in each UI language, and a
    template took 40 % of its time (bench.chat); ``format_html`` and Django's date formatting
    took half of what was left, hence the f-string and :func:`_date_title`."""
    from chat.frames import author_html

    local = local or timezone.localtime(message.created)  # ``local``: the caller's, computed once
    edited = f' <span class="chat-edited">{_escape(gettext("(edited)"))}</span>' if message.edited_at else ""
    body = message.body_html  # sanitized when stored: chat.services.clean_text
    return SafeString(
        f'<div class="chat-message-meta">{author_html(message.author, support=support)} '
        f'<time class="chat-time" datetime="{local.replace(microsecond=0).isoformat()}" '
        f'title="{_escape(_date_title(translation.get_language(), local.replace(microsecond=0), local.tzinfo))}">'
        f'{local.strftime("%d.%m %H:%M")}</time>{edited}</div>\n'
        f'  <div class="chat-message-body">{body}</div>\n')


@functools.lru_cache(maxsize=1024)
def _date_title(language: str | None, local, zone) -> str:
    """``DATETIME_FORMAT`` of ``local`` (an aware datetime to the second, in ``zone``) in
    ``language``: the messages of one second share it. The key is the instant, the zone (equal
    instants in two zones compare equal) and the language: everything the format prints but
    microseconds, which no ``DATETIME_FORMAT`` shows."""
    return formats.date_format(local, "DATETIME_FORMAT")


def _escape(value) -> str:
    """Django's ``escape`` (the standard library's, quotes too), without the lazy-string wrapper."""
    return html.escape(str(value))


def line_start(message, *, support: bool) -> SafeString:
    """A message's list item up to the viewer's actions: the item's tag and the head (author,
    time, text). The same for every viewer: a product page keeps it rendered under its version
    (``shared_html``), and the frames send it with an empty actions part (:func:`frame_line`)."""
    author = message.author.username if not support or not message.author.is_staff else ""
    local = timezone.localtime(message.created)
    return SafeString(
        f'<li class="chat-message" id="chat-message-{message.pk:d}" data-id="{message.pk:d}" '
        f'data-author="{_escape(author)}" data-created="{local.isoformat()}">\n  '
        f'{message_head(message, support=support, local=local)}')


def frame_line(message, *, support: bool) -> SafeString:
    """A message's list item as the frames send it: no viewer, so no actions (the page script adds
    the reader's own); the same markup ``{% chat_message %}`` renders without a viewer."""
    return mark_safe(f"{line_start(message, support=support)}\n  \n</li>\n")  # noqa: S308  (escaped by line_start)


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
    return mark_safe("".join(  # noqa: S308  (each line is escaped by line_start and the template)
        _line(context, engine, message, panel.viewer, bool(panel.is_support), panel) for message in panel.messages))
