"""Notification pages: the list (read/unread, mark all read), opening one, email settings and the
one-click unsubscribe (no log-in needed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from community.notifications import emails, selectors, services
from community.notifications.forms import PreferencesForm


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    listing, days = selectors.notification_page(user=request.user, unread_only=unread_only,
                                                page=request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "listing": listing, "days": days, "unread_only": unread_only,
        "unread": services.unread_count(request.user.pk),
    })


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("All notifications are marked read.") if count else _("No unread notifications."))
    return redirect("notifications:list")


@login_required
def notification_go(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Open a notification: mark it read and go to the exact place it is about."""
    try:
        notification = services.notification_open(user=request.user, notification_id=notification_id)
    except services.NotificationError:
        raise Http404(_("No such notification.")) from None
    return HttpResponseRedirect(notification.url if notification.url.startswith("/") else "/")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    rows = selectors.settings_rows(user=request.user)
    initial = {"language": emails.language_of(request.user) if request.method != "POST" else None}
    form = PreferencesForm(request.POST or None, rows=rows, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_set(user=request.user, frequencies=form.frequencies(),
                                              language=form.cleaned_data["language"])
        messages.success(request, _("Email settings saved."))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {
        "form": form, "has_address": emails.confirmed_address(request.user) is not None,
        "current_language": translation.get_language(),
    })


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a session or token
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link stops and a button (link scanners must not unsubscribe anyone);
    POST — the button or the mail client's one-click request — stops it."""
    try:
        user_id, scope = emails.read_unsubscribe_token(token)
    except emails.TokenError as error:
        return render(request, "notifications/unsubscribe.html", {"error": str(error)}, status=400)
    label = _scope_label(scope)
    if request.method == "POST":
        try:
            emails.unsubscribe(token=token)
        except emails.TokenError as error:
            return render(request, "notifications/unsubscribe.html", {"error": str(error)}, status=400)
        return render(request, "notifications/unsubscribe.html", {"done": True, "label": label})
    return render(request, "notifications/unsubscribe.html", {"label": label, "token": token})


def _scope_label(scope: str) -> str:
    from community.notifications.kinds import get_kind

    if scope == emails.DIGEST_SCOPE + "daily":
        return _("the daily digest")
    if scope == emails.DIGEST_SCOPE + "weekly":
        return _("the weekly digest")
    return str(get_kind(scope).label)
