"""The shop's authenticated JSON endpoint for purchases and stock changes, and batch status."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from community.catalog import feed, feed_batches
from community.catalog.models import FeedBatch


def _authorized(request: HttpRequest) -> bool:
    expected = settings.SHOP_API_TOKEN
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    # Compared as bytes: compare_digest refuses non-ASCII str, and a header may carry anything.
    return hmac.compare_digest(token.strip().encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def _unauthorized() -> JsonResponse:
    return JsonResponse({"error": _("A valid shop token is required.")}, status=401)


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
    if not _authorized(request):
        return _unauthorized()
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
    if not _authorized(request):
        return _unauthorized()
    batch = FeedBatch.objects.filter(pk=batch_pk).first()
    if batch is None:
        return JsonResponse({"error": _("No such batch.")}, status=404)
    return _batch_answer(request, batch)
