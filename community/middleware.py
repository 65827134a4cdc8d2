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


# PostgreSQL error classes that mean "cannot talk to the database now", not "bad query":
# 08 connection exception, 53 insufficient resources (too many connections), 57P01–57P03
# shut down / starting up.
UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53", "57P01", "57P02", "57P03")
SQLITE_UNAVAILABLE = ("unable to open database", "database is locked", "disk i/o error")


def is_database_unavailable(exception: BaseException | None) -> bool:
    """The database cannot be reached or dropped the connection — as opposed to a bad query,
    which stays a 500 (a bug to fix, not an outage to wait out).

    ``InterfaceError`` (connection already closed) always; an ``OperationalError`` when the
    driver gave it no SQLSTATE (connection refused, reset, timed out: psycopg raises those
    client-side) or a connection-class one, or SQLite could not open or lock its file.
    """
    from django.db import InterfaceError, OperationalError

    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    if cause is not None and type(cause).__module__.startswith("psycopg"):
        sqlstate = getattr(cause, "sqlstate", None)
        return sqlstate is None or sqlstate.startswith(UNAVAILABLE_SQLSTATE_PREFIXES)
    return any(text in str(exception).lower() for text in SQLITE_UNAVAILABLE)
