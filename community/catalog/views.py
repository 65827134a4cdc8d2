"""The shop's authenticated JSON endpoint for purchases and stock changes."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from community.catalog import services

MAX_FEED_BYTES = 5 * 1024 * 1024


def _authorized(request: HttpRequest) -> bool:
    expected = settings.SHOP_API_TOKEN
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(token.strip(), expected)


@csrf_exempt  # a machine-to-machine endpoint authenticated by a bearer token, not cookies
@require_POST
def shop_feed(request: HttpRequest) -> JsonResponse:
    """POST ``{"purchases": [...], "stock": [...]}`` with ``Authorization: Bearer <token>``.

    Answers 200 with counts and the rows it could not import, 400 for an unreadable body,
    401 for a missing or wrong token.
    """
    if not _authorized(request):
        return JsonResponse({"error": _("A valid shop token is required.")}, status=401)
    if len(request.body) > MAX_FEED_BYTES:
        return JsonResponse({"error": _("The request is too large.")}, status=413)
    try:
        data = json.loads(request.body.decode("utf-8"))
        rows = services.feed_from_data(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return JsonResponse({"error": _("The request body must be JSON in UTF-8.")}, status=400)
    except services.FeedError as error:
        return JsonResponse({"error": str(error)}, status=400)
    report = services.feed_import(purchases=rows["purchases"], stock=rows["stock"])
    return JsonResponse(report.as_dict())
