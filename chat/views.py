"""Chat pages. Everything works without JavaScript: forms POST and redirect back; the page
script (``chat.js``) makes the same pages live over the websocket.

Views are thin: they parse the request, call one service or selector, and render, redirect
(with the error in ``messages`` or in the form) or answer JSON.
"""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat import frames, rooms, selectors, services
from chat.errors import ChatError
from chat.forms import EditForm, HideForm, MessageForm, MuteForm
from chat.models import Block, Message, Room, RoomKind
from chat.panels import build_panel, keep_draft, script_strings
from chat.permissions import can_enter_lounge, room_access
from chat.rooms import RoomRef, ref_for_room
from chat.support import selectors as support_selectors
from community.catalog import page_cache
from community.http import safe_next

User = get_user_model()

#: The discussions page: product rooms active this week (the last 7 days), the 30 liveliest.
DISCUSSIONS_DAYS = 7
DISCUSSIONS_LIMIT = 30


def room_context(panel, **extra) -> dict:
    """The context of a room page: its panel and the page script's strings."""
    return {"panel": panel, "chat_strings": script_strings(), **extra}


def post_from_form(request: HttpRequest, room_getter) -> tuple[Message | None, str]:
    """Post the no-JS form's message; returns (message, error text)."""
    form = MessageForm(request.POST)
    if not form.is_valid():
        return None, _("The message cannot be sent.")
    try:
        room = room_getter()
        message = services.message_post(author=request.user, room=room, body=form.cleaned_data["body"],
                                         client_id=form.cleaned_data["client_id"])
    except ChatError as error:
        return None, error.message
    return message, ""


# --- product discussions -----------------------------------------------------------------------


def product_chat(page, request: HttpRequest) -> HttpResponse:
    """``<product>/chat/``: POST posts to the product's discussion (no-JS form) and returns to
    the product page; GET shows the discussion alone, with older pages (``?before=<id>``)."""
    ref = RoomRef(key=rooms.product_key(page.pk), kind=RoomKind.PRODUCT, room=None, product=page)
    discussion_url = page.url + page.reverse_subpage("chat")
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={page.url}")
        message, error = post_from_form(request, lambda: services.product_room_for(page))
        back = safe_next(request, page.url)
        if error:
            messages.error(request, error)
            keep_draft(request, ref.key, request.POST.get("body", ""))
            return HttpResponseRedirect(back + "#chat")
        return HttpResponseRedirect(f"{back}#chat-message-{message.pk}")
    access = room_access(request.user, kind=ref.kind, room=ref.room, product_live=True)
    panel = build_panel(request, ref=ref, access=access, page_url=discussion_url, post_url=discussion_url,
                        older_base=discussion_url)
    return render(request, "chat/room_page.html", room_context(
        panel, page=page, title=_("Discussion: %(product)s") % {"product": page.title},
        back_url=page.url, back_label=page.title, robots="noindex, follow",
    ))


def product_section_panel(request: HttpRequest, page):
    """The discussion panel of a product page (hook ``product_page_sections``): the room is
    joined by the messages' query, not looked up."""
    ref = RoomRef(key=rooms.product_key(page.pk), kind=RoomKind.PRODUCT, room=None, product=page)
    access = room_access(request.user, kind=ref.kind, room=None, product_live=True)
    discussion_url = page.url + page.reverse_subpage("chat")
    # The latest messages are the same for everyone: kept under the page's version (a new,
    # edited or moderated message changes it); whether the reader is muted comes with the
    # viewer's state, read once for the page.
    latest = page_cache.shared(request, page, "chat:latest",
                               lambda: selectors.message_page(room=None, product_id=page.pk))
    # Their rendered lines too (author, time, text): all of each line but the viewer's actions,
    # which are added per request.
    page_cache.shared_fragments(request, page, "chat:latest", latest.messages, "chat/_message_start.html", "message",
                                {"support": False})
    state = page_cache.viewer_state(request, page)
    return build_panel(request, ref=ref, access=access, page_url=page.url, post_url=discussion_url,
                       older_base=discussion_url, latest=latest,
                       muted_until=state.get("chat_muted_until") if request.user.is_authenticated else False)


# --- conversations and direct messages ----------------------------------------------------------


@require_GET
def discussions(request: HttpRequest) -> HttpResponse:
    """Product discussions, liveliest of the week first (one query), open to everyone."""
    return render(request, "chat/discussions.html", {
        "rooms": selectors.liveliest_product_rooms(limit=DISCUSSIONS_LIMIT, days=DISCUSSIONS_DAYS),
        "days": DISCUSSIONS_DAYS,
    })


@login_required
@require_GET
def conversations(request: HttpRequest) -> HttpResponse:
    """The user's direct conversations with unread counts, their tickets and the lounge."""
    return render(request, "chat/conversations.html", {
        "conversations": selectors.conversations_for(user=request.user),
        "tickets": support_selectors.tickets_for_customer(user=request.user, limit=5),
        "can_enter_lounge": can_enter_lounge(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def direct(request: HttpRequest, username: str) -> HttpResponse:
    """A direct conversation with ``username`` ("Написать"); the room is created by the first
    message, not by opening the page."""
    other = get_object_or_404(User.objects.select_related("profile"), username=username, is_active=True)
    if other.pk == request.user.pk:
        messages.info(request, _("This is you. Choose someone else to write to."))
        return redirect("chat:conversations")
    room = Room.objects.filter(direct_key=services.direct_key(request.user.pk, other.pk)).first()
    url = reverse("chat:direct", args=[other.username])
    error = ""
    if request.method == "POST":
        message, error = post_from_form(
            request, lambda: room or services.direct_room_for(actor=request.user, other=other))
        if not error:
            return HttpResponseRedirect(f"{url}#chat-message-{message.pk}")
    if room is not None:
        ref = ref_for_room(room)
        access = room_access(request.user, kind=ref.kind, room=room)
    else:
        from chat.permissions import Access, is_blocked_between

        ref = RoomRef(key="", kind=RoomKind.DIRECT)
        blocked = is_blocked_between(request.user, other)
        access = Access(read=True, write=not blocked, share_presence=not blocked, code="blocked" if blocked else "")
    panel = build_panel(request, ref=ref, access=access, page_url=url, post_url=url, older_base=url, error=error,
                        draft=request.POST.get("body") if error else None)
    if room is not None and panel.is_live and panel.page.last_id:
        services.mark_read(user=request.user, room=room, upto=panel.page.last_id)
    blocked_by_me = Block.objects.filter(blocker=request.user, blocked=other).exists()
    return render(request, "chat/direct.html", room_context(
        panel, other=other, blocked_by_me=blocked_by_me, robots="noindex, nofollow",
        title=_("Conversation with %(name)s") % {"name": other.profile.name},
    ), status=400 if error else 200)


@login_required
@require_POST
def block(request: HttpRequest, username: str) -> HttpResponse:
    other = get_object_or_404(User, username=username)
    try:
        services.user_block(blocker=request.user, blocked=other)
    except ChatError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You blocked %(name)s: neither of you can write to the other.")
                         % {"name": other.get_username()})
    return redirect(safe_next(request, reverse("chat:direct", args=[other.username])))


@login_required
@require_POST
def unblock(request: HttpRequest, username: str) -> HttpResponse:
    other = get_object_or_404(User, username=username)
    services.user_unblock(blocker=request.user, blocked=other)
    messages.success(request, _("You unblocked %(name)s.") % {"name": other.get_username()})
    return redirect(safe_next(request, reverse("chat:direct", args=[other.username])))


# --- the Experts' lounge -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lounge(request: HttpRequest) -> HttpResponse:
    if not can_enter_lounge(request.user):
        raise PermissionDenied(_("The lounge is open to Experts and the shop's staff."))
    ref = rooms.resolve(rooms.LOUNGE_KEY)
    url = reverse("chat:lounge")
    error = ""
    if request.method == "POST":
        message, error = post_from_form(request, services.lounge_room)
        if not error:
            return HttpResponseRedirect(f"{url}#chat-message-{message.pk}")
    access = room_access(request.user, kind=ref.kind, room=ref.room)
    panel = build_panel(request, ref=ref, access=access, page_url=url, post_url=url, older_base=url, error=error,
                        draft=request.POST.get("body") if error else None)
    return render(request, "chat/lounge.html", room_context(panel, title=_("Experts' lounge"),
                                                             robots="noindex, nofollow"),
                  status=400 if error else 200)


# --- messages: edit, delete, hide, mute --------------------------------------------------------------


def _message_for(pk: int) -> Message:
    return get_object_or_404(Message.objects.select_related("room", "author__profile"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def message_edit(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_for(pk)
    if message.author_id != request.user.pk:
        raise Http404
    back = safe_next(request, reverse("chat:conversations"))
    form = EditForm(request.POST or None, initial={"body": message.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.message_edit(author=request.user, message=message, body=form.cleaned_data["body"])
        except ChatError as error:
            form.add_error("body", error.message)
        else:
            messages.success(request, _("Message edited."))
            return HttpResponseRedirect(f"{back}#chat-message-{message.pk}")
    return render(request, "chat/message_edit.html", {"form": form, "message": message, "next": back},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def message_delete(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_for(pk)
    back = safe_next(request, reverse("chat:conversations"))
    try:
        services.message_delete(actor=request.user, message=message)
    except ChatError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Message deleted."))
    return HttpResponseRedirect(back + "#chat")


@login_required
@require_POST
def message_hide(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_for(pk)
    back = safe_next(request, reverse("chat:conversations"))
    form = HideForm(request.POST)
    try:
        if not form.is_valid():
            raise ChatError("invalid", _("Give a reason: the author will see it."))
        services.message_hide(moderator=request.user, message=message, reason=form.cleaned_data["reason"])
    except ChatError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Message hidden."))
    return HttpResponseRedirect(back + "#chat")


@login_required
@require_POST
def mute(request: HttpRequest) -> HttpResponse:
    form = MuteForm(request.POST)
    back = safe_next(request, reverse("chat:conversations"))
    try:
        if not form.is_valid():
            raise ChatError("invalid", _("Choose for how long."))
        ref = rooms.resolve(form.cleaned_data["room"])
        user = User.objects.filter(username=form.cleaned_data["username"]).first()
        if ref is None or user is None:
            raise ChatError("not_found")
        room = ref.room or (services.product_room_for(ref.product) if ref.kind == RoomKind.PRODUCT
                            else services.lounge_room())
        membership = services.room_mute(moderator=request.user, room=room, user=user,
                                        minutes=form.cleaned_data["minutes"], reason=form.cleaned_data["reason"])
    except ChatError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s cannot write here until %(time)s.") % {
            "name": user.get_username(), "time": timezone.localtime(membership.muted_until).strftime("%d.%m.%Y %H:%M")})
    return HttpResponseRedirect(back + "#chat")


# --- JSON: older pages for the page script -----------------------------------------------------------


@require_GET
def history(request: HttpRequest) -> JsonResponse:
    """``?room=<key>&before=<id>``: the page of messages older than ``before`` (JSON)."""
    ref = rooms.resolve(request.GET.get("room"))
    if ref is None:
        return JsonResponse({"error": {"code": "not_found", "detail": ChatError("not_found").message}}, status=404)
    access = room_access(request.user, kind=ref.kind, room=ref.room, product_live=ref.product_live
                         if ref.kind == RoomKind.PRODUCT else True)
    if not access.read:
        error = ChatError(access.code or "forbidden")
        return JsonResponse({"error": {"code": error.code, "detail": error.message}}, status=403)
    try:
        before = int(request.GET.get("before", ""))
    except ValueError:
        before = None
    page = selectors.message_page(room=ref.room, before=before)
    language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in frames.languages() else "ru"
    return JsonResponse({
        "room": ref.key,
        "messages": [frames.message_data(m, language=language, support=ref.room.kind == RoomKind.TICKET,
                                         for_staff=request.user.is_staff) for m in page.messages],
        "older": page.has_older,
    })



@require_GET
def metrics(request: HttpRequest) -> JsonResponse:
    """This process's chat counters, for staff (each daphne process answers for itself): sends
    stored and refused (``overloaded``), layer gaps and messages
    refilled from the database, broadcasts sent and failed."""
    if not (request.user.is_authenticated and request.user.is_staff):
        raise PermissionDenied
    from chat import broadcast
    from chat.hub_stats import stats

    return JsonResponse({"process": os.getpid(), "hub": dict(stats), "broadcast": dict(broadcast.stats)})
