"""The few HTTP helpers views share: JSON or a page, the login-required answer, the safe
``next`` redirect, rate-limited actions and the 429 / 503 answers.

Every view of the site that answers both forms and scripts uses these, one implementation each:

- :func:`wants_json` — the request asked for (or sent) JSON;
- :func:`login_needed` — 401 ``{"error", "login_url"}`` for scripts, else a message and the
  log-in page that comes back to ``next_url``;
- :func:`safe_next` / :func:`redirect_back` — the form's ``next`` when it points to this site,
  else the view's fallback;
- :func:`parse_int` — a query or form value as a non-negative integer, or ``None``;
- :func:`item_url` — ``reverse(name, args=[pk])`` for an item's action, reversed once per process.

``@rate_limited("review_write")`` is the one way a view opts into the site's abuse limits
(``community/ratelimit.py`` counts, in the shared cache). Only unsafe methods (POST …) are
counted: reading a form is free, every attempt to send it counts, accepted or not.

A scope ``S`` in ``settings.RATE_LIMITS`` may have three entries, each ``(count, seconds)``:

- ``S``      per signed-in user;
- ``S.new``  per signed-in user whose account is younger than ``RATE_LIMIT_NEW_ACCOUNT_HOURS``
  (on top of ``S``: Discourse's first-day limits);
- ``S.ip``   per client address, signed in or not.

A refusal is a 429 with ``Retry-After``: a page in the visitor's language, or
``{"error": …, "retry_after": …}`` for requests that ask for or send JSON.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community import ratelimit

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def parse_int(raw: str | None, *, max_digits: int = 18) -> int | None:
    """``raw`` as a non-negative integer when it is written in ASCII digits only, else ``None``.

    ``str.isdigit()`` alone lets through what ``int()`` refuses («²») or reads as another script's
    digits («٣»), and a long enough run of digits overflows a database integer: every id, page and
    star count from a request goes through here.
    """
    if raw and len(raw) <= max_digits and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


_ITEM_URLS: dict[tuple, tuple[str, str]] = {}
_ITEM_STAND_IN = 7_340_017_291


def item_url(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for a URL whose one argument is an item's integer id (a review's
    vote, an answer's report), reversed once per process and URL prefix: Django's ``reverse`` of a
    namespaced name costs 35–80 µs here, and a page links ten reviews' or twenty answers' actions."""
    key = (name, get_script_prefix(), get_urlconf())
    parts = _ITEM_URLS.get(key)
    if parts is None:
        stand_in = str(_ITEM_STAND_IN)
        head, found, tail = reverse(name, args=[_ITEM_STAND_IN]).partition(stand_in)
        if not found or stand_in in tail:
            raise ValueError(f"item_url: {name!r} does not take one id")
        parts = _ITEM_URLS[key] = (head, tail)
    return f"{parts[0]}{int(pk)}{parts[1]}"


def wants_json(request: HttpRequest) -> bool:
    """The client asked for JSON, or sent JSON."""
    return "application/json" in request.headers.get("Accept", "") or request.content_type == "application/json"


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The request's ``next`` (POST, then GET) when it points to this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Redirect to the safe ``next`` (see :func:`safe_next`), else to ``fallback``."""
    return HttpResponseRedirect(safe_next(request, fallback))


def login_needed(request: HttpRequest, *, message: str, next_url: str) -> HttpResponse:
    """The answer to an anonymous action: 401 JSON with the log-in URL for scripts, else the
    log-in page (with ``message`` shown) that returns to ``next_url``."""
    if wants_json(request):
        return JsonResponse({"error": message, "login_url": reverse("account_login")}, status=401)
    messages.info(request, message)
    return redirect_to_login(next_url)


def is_new_account(user) -> bool:
    hours = getattr(settings, "RATE_LIMIT_NEW_ACCOUNT_HOURS", 24)
    joined = getattr(user, "date_joined", None)
    return bool(hours and joined and joined > timezone.now() - timedelta(hours=hours))


def check_rate_limit(request: HttpRequest, scope: str) -> ratelimit.Decision:
    """Count one attempt of ``request``'s user and address in ``scope`` (and its ``.new`` /
    ``.ip`` variants); refused when any of them is over its limit, with the longest wait."""
    hits: list[tuple[str, str]] = []
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        hits.append((scope, f"user:{user.pk}"))
        if is_new_account(user):
            hits.append((f"{scope}.new", f"user:{user.pk}"))
    hits.append((f"{scope}.ip", f"ip:{ratelimit.client_ip(request)}"))
    refusals = [decision for decision in (ratelimit.hit(name, ident) for name, ident in hits) if not decision.allowed]
    if not refusals:
        return ratelimit.Decision(True)
    return ratelimit.Decision(False, retry_after=max(d.retry_after for d in refusals))


def wait_text(seconds: int) -> str:
    if seconds < 120:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = (seconds + 59) // 60
    if minutes < 120:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = (minutes + 59) // 60
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


def too_many_requests(request: HttpRequest, retry_after: int | None = None) -> HttpResponse:
    """The 429 answer: JSON for scripts, else a page; ``Retry-After`` in both.

    Also the site's ``handler429`` (django-allauth answers its own sign-up and log-in limits
    with it; it does not say when, so the default wait is given)."""
    retry_after = max(1, int(retry_after or getattr(settings, "RATE_LIMIT_DEFAULT_RETRY_AFTER", 60)))
    message = _("Too many attempts. Please wait %(wait)s and try again.") % {"wait": wait_text(retry_after)}
    if wants_json(request):
        response: HttpResponse = JsonResponse({"error": message, "retry_after": retry_after}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _find_request(args: tuple) -> HttpRequest:
    # Views of product sub-pages take ``(page, request, …)``, the others ``(request, …)``.
    for arg in args[:2]:
        if isinstance(arg, HttpRequest):
            return arg
    raise TypeError("rate_limited views take the request as their first or second argument")


def rate_limited(scope: str) -> Callable:
    """Refuse a view's unsafe requests past the limits of ``scope`` with a 429 (see above)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            request = _find_request(args)
            if request.method not in SAFE_METHODS:
                decision = check_rate_limit(request, scope)
                if not decision.allowed:
                    logger.info("rate limit %s refused %s", scope, ratelimit.client_ip(request))
                    return too_many_requests(request, decision.retry_after)
            return view(*args, **kwargs)

        wrapper.rate_limit_scope = scope
        return wrapper

    return decorate


# --- the database is down -----------------------------------------------------------------------


def language_from_cookie(request: HttpRequest | None) -> str:
    supported = {code for code, _name in settings.LANGUAGES}
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "") if request is not None else ""
    return language if language in supported else settings.LANGUAGE_CODE


def service_unavailable(request: HttpRequest | None) -> HttpResponse:
    """503 while the database cannot be reached: rendered without touching it (a plain
    template, no context processors, the language from the cookie), with ``Retry-After``."""
    retry_after = int(getattr(settings, "DATABASE_UNAVAILABLE_RETRY_AFTER", 30))
    language = language_from_cookie(request)
    with translation.override(language):
        message = _("The site is temporarily unavailable. Please try again in a minute.")
        if request is not None and wants_json(request):
            response: HttpResponse = JsonResponse({"error": message, "retry_after": retry_after}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"LANGUAGE_CODE": language}), status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = language
    return response
