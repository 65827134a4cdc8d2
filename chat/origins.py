"""Which pages may open the chat websocket: the ``Origin`` of the handshake, checked by scheme,
host *and* port (Channels' ``AllowedHostsOriginValidator`` looks at the host only, so a page
served on another port of an allowed host — ``http://localhost:9999`` — was let in).

Allowed, the same way Django's CSRF check allows a form post:

* the site's own origin, ``SITE_URL`` (``WAGTAILADMIN_BASE_URL``) — the public address behind
  the proxy, whatever scheme the proxy speaks to daphne;
* every origin in ``CSRF_TRUSTED_ORIGINS`` (``https://*.example.com`` matches subdomains);
* the origin the socket itself was opened on: the ``Host`` header (which must be in
  ``ALLOWED_HOSTS``) with the scheme of the socket (``ws`` → ``http``, ``wss`` → ``https``) —
  a page and its socket served by the same address, as in development and in tests.

A handshake without an ``Origin`` header (not a browser) is refused, as before.

:class:`SiteOriginValidator` wraps the websocket application in ``community/asgi.py``: a refused
handshake is answered 403 before authentication or any consumer runs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}
_SOCKET_SCHEMES = {"ws": "http", "wss": "https", "http": "http", "https": "https"}

Origin = tuple[str, str, int]  # (scheme, host, port)


def parse_origin(value: str) -> Origin | None:
    """``("https", "shop.example", 443)`` for ``https://shop.example``; None if malformed."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _matches(origin: Origin, allowed: str) -> bool:
    """``allowed`` is an origin, optionally with a ``*.`` subdomain wildcard (as in Django)."""
    pattern = parse_origin(allowed.replace("://*.", "://wildcard.", 1))
    if pattern is None:
        return False
    scheme, host, port = pattern
    if "://*." in allowed:
        suffix = host.removeprefix("wildcard")  # ".example.com"
        return origin[0] == scheme and origin[2] == port and origin[1].endswith(suffix)
    return origin == pattern


def own_origin(scope: dict) -> Origin | None:
    """The origin the socket was opened on (its ``Host`` header, if an allowed host)."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    scheme = _SOCKET_SCHEMES.get(str(scope.get("scheme") or "ws"), "http")
    return parse_origin(f"{scheme}://{host}")


def origin_allowed(scope: dict) -> bool:
    """True when the handshake's ``Origin`` is one of the site's origins (see the module doc)."""
    value = _header(scope, b"origin")
    origin = parse_origin(value) if value else None
    if origin is None:
        return False
    if origin == own_origin(scope):
        return True
    site_url = getattr(settings, "WAGTAILADMIN_BASE_URL", "")
    return any(_matches(origin, allowed) for allowed in [site_url, *settings.CSRF_TRUSTED_ORIGINS] if allowed)


class SiteOriginValidator:
    """ASGI middleware: websocket handshakes whose origin is not the site's are refused (403)."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
