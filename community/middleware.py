"""The UI language comes from the visitor's choice (a cookie), never from the URL.

Content is Russian and every page has one URL whatever the UI language, so Accept-Language
is deliberately ignored: crawlers and first-time visitors get the Russian UI, and a visitor
who picks English in the switcher keeps it through the ``lang`` cookie.
"""

import logging

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

logger = logging.getLogger(__name__)


class CookieLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached answers 503 (``community.http.service_unavailable``),
    not 500, and the site recovers by itself: Django drops the broken connection at the end
    of the request and the next request connects again.

    View and template errors come through ``process_exception``; errors raised by other
    middleware reach ``handler500`` (``community.views.server_error``), which makes the same
    decision.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            logger.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
            from community.http import service_unavailable

            return service_unavailable(request)
        return None


def is_database_unavailable(exception: BaseException | None) -> bool:
    """The database cannot be reached or dropped the connection (any ``OperationalError`` —
    refused, reset, timed out — or ``InterfaceError`` — connection already closed)."""
    from django.db import InterfaceError, OperationalError

    return isinstance(exception, OperationalError | InterfaceError)
