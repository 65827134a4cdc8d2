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

from community.catalog.models import ProductPage
from community.http import login_needed, rate_limited, redirect_back
from community.notifications import emails, follows, selectors, services
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


# --- follows and the waiting list -------------------------------------------------------------


def _product_or_404(product_id: int) -> ProductPage:
    product = ProductPage.objects.live().filter(pk=product_id).first()
    if product is None:
        raise Http404(_("No such product."))
    return product


@require_POST
def follow_product(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product_or_404(product_id)
    if not request.user.is_authenticated:
        return login_needed(request, message=_("Log in to follow products."), next_url=product.url)
    follow = request.POST.get("follow", "1") != "0"
    try:
        follows.product_follow(user=request.user, product=product, follow=follow)
    except services.NotificationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You follow this product: new reviews and questions will be in your notifications.")
                         if follow else _("You no longer follow this product."))
    return redirect_back(request, product.url)


@require_POST
@rate_limited("waiting_list")
def waiting_join(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product_or_404(product_id)
    try:
        entry = follows.waiting_list_join(user=request.user, product=product, email=request.POST.get("email", ""),
                                          language=translation.get_language())
    except services.NotificationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("We will tell you when it is back in stock.") if entry.is_confirmed else
                         _("Almost done: open the link we emailed to %(email)s to confirm.") % {"email": entry.email})
    return redirect_back(request, product.url)


def waiting_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners confirm nothing); POST confirms the address."""
    if request.method != "POST":
        try:
            follows.waiting_list_confirm_check(token=token)
        except emails.TokenError as error:
            return render(request, "notifications/waiting_confirm.html", {"error": str(error)}, status=400)
        return render(request, "notifications/waiting_confirm.html", {"token": token})
    try:
        entry = follows.waiting_list_confirm(token=token)
    except emails.TokenError as error:
        return render(request, "notifications/waiting_confirm.html", {"error": str(error)}, status=400)
    return render(request, "notifications/waiting_confirm.html", {"done": True, "product": entry.product})


@login_required
@require_POST
def waiting_leave(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        follows.waiting_list_leave(user=request.user, entry_id=entry_id)
    except services.NotificationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Removed from the waiting list."))
    return redirect_back(request, "/cabinet/#waiting-list")


def review_stars(request: HttpRequest, token: str) -> HttpResponse:
    """A review request's star link: to the product's review form with the rating pre-filled
    (the form itself asks the visitor to log in)."""
    from community.notifications.review_requests import read_review_token

    try:
        purchase = read_review_token(token)
    except emails.TokenError as error:
        return render(request, "notifications/unsubscribe.html", {"error": str(error), "heading": _("Rate your purchase")},
                      status=400)
    rating = request.GET.get("rating", "")
    query = f"?rating={rating}" if rating in {"1", "2", "3", "4", "5"} else ""
    return HttpResponseRedirect(f"{purchase.product.url}reviews/write/{query}")
