"""The shop's authenticated JSON endpoint for purchases and stock changes, and batch status."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from community import ratelimit
from community.catalog import feed, feed_batches, keys
from community.catalog.models import FeedBatch


@dataclass(frozen=True)
class FeedClient:
    """Who is pushing: a shop API key with the ``feed`` scope, or the deprecated shared token."""

    ident: str
    legacy: bool


def _legacy_token_matches(token: str) -> bool:
    expected = settings.SHOP_API_TOKEN
    # Compared as bytes: compare_digest refuses non-ASCII str, and a header may carry anything.
    return bool(expected) and hmac.compare_digest(token.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def _feed_client(request: HttpRequest) -> FeedClient | None:
    presented = keys.presented_key(request)
    if presented is not None:
        key = keys.api_key_check(raw=presented, scope="feed")
        return FeedClient(ident=f"key:{key.pk}", legacy=False) if key is not None else None
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and _legacy_token_matches(token.strip()):
        return FeedClient(ident="legacy-token", legacy=True)
    return None


def _unauthorized() -> JsonResponse:
    return JsonResponse({"error": _("A valid shop API key with the “feed” scope is required.")}, status=401)


def _checked(request: HttpRequest, view: Callable[[], JsonResponse]) -> JsonResponse:
    """Authenticate, count against the client's limit (``shop_feed``), answer, and mark answers
    to the deprecated token (``Deprecation`` header, RFC 9745)."""
    client = _feed_client(request)
    if client is None:
        return _unauthorized()
    decision = ratelimit.hit("shop_feed", client.ident)
    if not decision.allowed:
        response = JsonResponse({"error": _("Too many requests. Please wait %(seconds)d s.")
                                 % {"seconds": decision.retry_after}, "retry_after": decision.retry_after}, status=429)
        response["Retry-After"] = str(decision.retry_after)
        return response
    response = view()
    if client.legacy:
        response["Deprecation"] = "true"
        response["Warning"] = '299 - "SHOP_API_TOKEN is deprecated: use a shop API key with the feed scope"'
    return response


def _batch_answer(request: HttpRequest, batch: FeedBatch) -> JsonResponse:
    state = feed_batches.feed_batch_state(batch)
    state["status_url"] = request.build_absolute_uri(reverse("shop_feed_batch", args=[batch.pk]))
    return JsonResponse(state, status=200 if batch.is_finished else 202)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt  # a machine-to-machine endpoint authenticated by a bearer token, not cookies
@require_POST
def shop_feed(request: HttpRequest) -> JsonResponse:
    """POST ``{"purchases": [...], "stock": [...], "batch_id"?: "…"}`` with ``Authorization: Bearer <token>``.

    Up to ``SHOP_FEED_SYNC_MAX_ROWS`` rows: imported at once, 200 with counts and the rows it
    could not import. More: stored, 202 with ``status_url`` where the same answer appears once the
    worker imported it. A re-sent batch answers as the first one did. 400 for an unreadable body,
    401 for a missing or wrong token, 409 for a reused ``batch_id``, 413 over the size limit.
    """
    return _checked(request, lambda: _receive(request))


def _receive(request: HttpRequest) -> JsonResponse:
    too_large = JsonResponse(
        {"error": _("The request is too large: at most %(mb)d MB.") % {"mb": settings.SHOP_FEED_MAX_BYTES // 2**20}},
        status=413,
    )
    if _declared_length(request) > settings.SHOP_FEED_MAX_BYTES:
        return too_large  # refused before the body is read
    body = request.body
    if len(body) > settings.SHOP_FEED_MAX_BYTES:
        return too_large
    try:
        data = feed.load_json(body.decode("utf-8"))
    except UnicodeDecodeError:
        return JsonResponse({"error": _("The request body must be JSON in UTF-8.")}, status=400)
    except feed.FeedError as error:
        return JsonResponse({"error": _("The request body must be JSON in UTF-8.") + " " + str(error)}, status=400)
    try:
        batch, created = feed_batches.feed_batch_receive(body=body, data=data)
    except feed.FeedError as error:
        return JsonResponse({"error": str(error)}, status=400)
    except feed_batches.BatchConflict as error:
        return JsonResponse({"error": str(error)}, status=409)
    if created and batch.rows <= settings.SHOP_FEED_SYNC_MAX_ROWS:
        batch = feed_batches.feed_batch_import(batch_id=batch.pk)
    return _batch_answer(request, batch)


@require_GET
def shop_feed_batch(request: HttpRequest, batch_pk: int) -> JsonResponse:
    """GET a batch's state: 202 while it waits or runs, 200 with counts and errors when finished."""
    return _checked(request, lambda: _batch_state(request, batch_pk))


def _batch_state(request: HttpRequest, batch_pk: int) -> JsonResponse:
    batch = FeedBatch.objects.filter(pk=batch_pk).first()
    if batch is None:
        return JsonResponse({"error": _("No such batch.")}, status=404)
    return _batch_answer(request, batch)
