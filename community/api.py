"""The public API's shared parts (``/api/v1/``, django-ninja): the one error shape, authors as
the site shows them, product lookup by the shop's SKU, and the HTTP behaviour every read has.

Each app keeps its own router (``reviews/api.py``, ``community/qa/api.py``, ``experts/api.py``);
the composition root (``community/urls.py``) builds the API with :func:`create_api` and mounts
them. Everything here is about the core and names no feature app.

Every answer of ``/api/v1/`` goes through :func:`http_behaviour` (wrapped around the URL
patterns, so it also sees 404s and validation errors):

* **Errors** have one shape: ``{"error": {"code", "detail", "fields"}}`` (:class:`ErrorOut`).
* **Caching**: a successful GET gets a strong ``ETag`` (a hash of the body), ``Cache-Control:
  public, max-age=API_CACHE_SECONDS`` and ``Last-Modified`` when the operation knows it; a
  conditional request whose validators match answers ``304 Not Modified`` (no body).
* **CORS**: only for the shop's origins (``SHOP_API_CORS_ORIGINS``), preflight included; other
  origins get no CORS headers, so browsers keep the answer from their scripts.
* **Keys and limits**: reads are public (they show only published content), counted per client
  address (``api_read.ip``); a shop key with the ``read`` scope (``Authorization: Bearer …`` or
  ``X-Api-Key``) is counted per key instead (``api_read``), with its own, larger limit. A wrong or
  revoked key is a 401, never a silent downgrade.
* **Language**: labels (levels) follow ``?lang=ru|en`` (default: the site's language), never a
  cookie, so one URL is one answer.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from community import ratelimit, seo
from community.accounts.models import Level
from community.catalog import keys
from community.catalog.models import ProductPage

READ_SCOPE = "read"


# --- errors ---------------------------------------------------------------------------------------


class ErrorBody(Schema):
    code: str
    detail: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    """Every error of the API: ``{"error": {"code", "detail", "fields"}}``."""

    error: ErrorBody


class ApiError(HttpError):
    """An error with a machine-readable ``code``; raise it from any operation."""

    def __init__(self, status: int, code: str, detail: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(status, detail)
        self.code = code
        self.fields = fields or {}


def error_body(code: str, detail: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "detail": str(detail), "fields": fields or {}}}


def error_response(status: int, code: str, detail: str, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, detail, fields), status=status, json_dumps_params={"ensure_ascii": False})


ERRORS = {400: ErrorOut, 404: ErrorOut, 410: ErrorOut, 422: ErrorOut}

_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                 410: "gone", 413: "too_large", 429: "rate_limited"}


def _validation_fields(errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body")]
        fields.setdefault(".".join(location) or "request", []).append(str(error.get("msg", "")))
    return fields


def create_api() -> NinjaAPI:
    """The ``/api/v1/`` API with the site's error shape installed (routers are added by the caller)."""
    api = NinjaAPI(
        title=_("Shop community API"),
        version="1",
        description=("Published reviews, ratings, questions and Experts of the shop's products, by SKU. "
                     "Errors: {\"error\": {\"code\", \"detail\", \"fields\"}}."),
        urls_namespace="api-v1",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )

    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        return api.create_response(request, error_body(exc.code, exc.message, exc.fields), status=exc.status_code)

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        code = _STATUS_CODES.get(exc.status_code, "error")
        return api.create_response(request, error_body(code, exc.message), status=exc.status_code)

    @api.exception_handler(ValidationError)
    def _validation_error(request, exc: ValidationError):
        return api.create_response(
            request, error_body("invalid", _("Some parameters are not valid."), _validation_fields(exc.errors)),
            status=422,
        )

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(AuthenticationError)
    def _unauthorized(request, exc):
        return api.create_response(request, error_body("unauthorized", _("A valid API key is required.")), status=401)

    return api


# --- what every answer has ------------------------------------------------------------------------


def _language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang", "")
    return wanted if wanted in {code for code, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE


def _cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    origin = request.headers.get("Origin", "")
    patch_vary_headers(response, ("Origin",))
    if origin and origin in settings.SHOP_API_CORS_ORIGINS:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
    return response


def _preflight(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=204)
    if request.headers.get("Origin", "") in settings.SHOP_API_CORS_ORIGINS:
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Authorization, X-Api-Key, If-None-Match, If-Modified-Since"
        response["Access-Control-Max-Age"] = "86400"
    return _cors(request, response)


def _limit(request: HttpRequest) -> HttpResponse | None:
    """Check the key if one is sent and count the request (per key, else per address); an
    answer when refused."""
    presented = keys.presented_key(request)
    if presented is not None:
        key = keys.api_key_check(raw=presented, scope=READ_SCOPE)
        if key is None:
            return error_response(401, "unauthorized",
                                  _("This API key is not valid, was revoked, or lacks the “read” scope."))
        decision = ratelimit.hit("api_read", f"key:{key.pk}")
    else:
        decision = ratelimit.hit("api_read.ip", f"ip:{ratelimit.client_ip(request)}")
    if decision.allowed:
        return None
    response = error_response(429, "rate_limited", _("Too many requests. Please wait %(seconds)d s.")
                              % {"seconds": decision.retry_after})
    response["Retry-After"] = str(decision.retry_after)
    return response


def _cache(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.streaming:
        response["Cache-Control"] = "no-store"
        return response
    response["ETag"] = seo.etag_for(hashlib.blake2b(response.content, digest_size=16).hexdigest())
    response["Cache-Control"] = f"public, max-age={settings.API_CACHE_SECONDS}"
    last_modified = response.get("Last-Modified")
    conditional = get_conditional_response(
        request, etag=response["ETag"],
        last_modified=parse_http_date_safe(last_modified) if last_modified else None, response=response,
    )
    return conditional


def http_behaviour(view: Callable) -> Callable:
    """Wrap one of the API's URL views: language, key and limits, caching, CORS (see above)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            return _preflight(request)
        refused = _limit(request)
        if refused is not None:
            return _cors(request, refused)
        with translation.override(_language(request)):
            response = view(request, *args, **kwargs)
        return _cors(request, _cache(request, response))

    wrapper.csrf_exempt = True
    return wrapper


def api_urls(api: NinjaAPI) -> tuple[list, str, str]:
    """``api.urls`` with every view wrapped in :func:`http_behaviour` (for ``path("api/v1/", …)``)."""
    patterns, app_name, namespace = api.urls

    def wrap(entries: list) -> list:
        for entry in entries:
            if isinstance(entry, URLResolver):
                wrap(entry.url_patterns)
            elif isinstance(entry, URLPattern) and not entry.name.endswith(("openapi-view", "openapi-json")):
                entry.callback = http_behaviour(entry.callback)
        return entries

    return wrap(list(patterns)), app_name, namespace


def last_modified(response: HttpResponse, *moments: datetime | None) -> None:
    """Set ``Last-Modified`` from the latest of the known moments (operations call it)."""
    latest = seo.latest(*moments)
    if latest is not None:
        response["Last-Modified"] = http_date(latest.timestamp())


# --- shared pieces of the answers -----------------------------------------------------------------


class AuthorOut(Schema):
    """An author as the site shows them: name, level, Expert badges — never an e-mail address."""

    name: str
    username: str
    profile_url: str | None  # None: the profile is private
    level: str
    level_label: str
    expert_in: list[str]


def author_out(user) -> dict:
    """The author fields of ``user`` (with ``profile`` selected: no query)."""
    profile = getattr(user, "profile", None)
    level = getattr(profile, "level", Level.NEWCOMER)
    return {
        "name": profile.name if profile is not None else user.get_username(),
        "username": user.get_username(),
        "profile_url": (seo.absolute_url(reverse("profile", args=[user.get_username()]))
                        if profile is None or profile.public else None),
        "level": level,
        "level_label": str(Level(level).label) if level in Level.values else "",
        "expert_in": [str(entry.get("title", "")) for entry in (profile.expert_categories if profile else [])],
    }


SKU_MAX_LENGTH = ProductPage._meta.get_field("sku").max_length


def possible_sku(sku: str) -> bool:
    """Whether a product could have this SKU (length, no control characters): anything else is
    unknown without asking the database (PostgreSQL refuses a NUL in a query)."""
    return 0 < len(sku) <= SKU_MAX_LENGTH and sku.isprintable()


def product_by_sku(sku: str) -> ProductPage:
    """The live product with this SKU; an :class:`ApiError` 404 otherwise (one query)."""
    product = ProductPage.objects.live().filter(sku=sku).first() if possible_sku(sku) else None
    if product is None:
        raise ApiError(404, "unknown_sku", _("No product with the SKU “%(sku)s”.") % {"sku": sku[:64]})
    return product


def product_url(product: ProductPage) -> str:
    """The product page's canonical URL (Wagtail's site root paths are cached: no query)."""
    return seo.absolute_url(seo.path_from_url_path(product.url_path))


def media_url(field) -> str:
    return seo.absolute_url(field.url) if field else ""
