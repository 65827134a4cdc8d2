"""A small but real OpenID Connect provider for tests: the shop's sign-in, served by http.server.

It runs in a thread on a free local port and speaks the authorization-code flow the way a shop's
identity server does: discovery (``/.well-known/openid-configuration``), ``/authorize`` (signs
in ``customer`` at once and redirects back with a one-time code; with ``asks_user`` it first shows
a small HTML sign-in form whose «Sign in» button POSTs back to ``/authorize``), ``/token`` (checks the client's
secret, the code, its redirect URI and the PKCE verifier; answers with an RS256 ID token signed by
a key generated per server), ``/jwks`` and ``/userinfo``. ``tamper_id_token`` makes ``/token``
hand out a token whose claims were changed after signing.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import free_port


@dataclass
class Customer:
    sub: str
    email: str
    email_verified: bool = True
    preferred_username: str = ""
    name: str = ""

    def claims(self) -> dict:
        claims = {"sub": self.sub, "email": self.email, "email_verified": self.email_verified}
        if self.preferred_username:
            claims["preferred_username"] = self.preferred_username
        if self.name:
            claims["name"] = self.name
        return claims


@dataclass
class _Grant:
    customer: Customer
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None


@dataclass
class OIDCProvider:
    client_id: str = "community"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    customer: Customer = field(default_factory=lambda: Customer("shop-customer-1", "anna@shop.example"))
    tamper_id_token: bool = False
    asks_user: bool = False
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        self.grants: dict[str, _Grant] = {}
        self.tokens: dict[str, Customer] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> OIDCProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    # --- the endpoints --------------------------------------------------------------------------

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], dict]:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {}, {"error": "invalid_request"}
        code = secrets.token_urlsafe(16)
        self.grants[code] = _Grant(
            self.customer, query["redirect_uri"], query.get("nonce"), query.get("code_challenge"),
        )
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return 302, {"Location": location}, {}

    def login_form(self, query: dict[str, str]) -> str:
        """The page a person sees at the shop: who signs in, and a «Sign in» button (no password:
        the test customer is the only one)."""
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
            for name, value in query.items()
        )
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop sign-in</title></head>'
            f'<body><main><h1>Shop sign-in</h1><p>{html.escape(self.customer.email)}</p>'
            f'<form method="post" action="/authorize">{hidden}<button type="submit">Sign in</button></form>'
            '</main></body></html>'
        )

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, str], dict]:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if (client_id, secret) != (self.client_id, self.client_secret):
            return 401, {}, {"error": "invalid_client"}
        grant = self.grants.pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code" or form.get("redirect_uri") != grant.redirect_uri:
            return 400, {}, {"error": "invalid_grant"}
        if grant.code_challenge:
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.code_challenge:
                return 400, {}, {"error": "invalid_grant", "error_description": "PKCE verifier"}
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, **grant.customer.claims()}
        if grant.nonce:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        if self.tamper_id_token:
            header, _, signature = id_token.split(".")
            forged = {**claims, "sub": "someone-else", "email": "victim@shop.example"}
            payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
            id_token = f"{header}.{payload}.{signature}"
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = grant.customer
        return 200, {}, {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}

    def userinfo(self, authorization: str) -> tuple[int, dict[str, str], dict]:
        customer = self.tokens.get(authorization.removeprefix("Bearer "))
        if customer is None:
            return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, {"error": "invalid_token"}
        if self.tamper_id_token:  # the same forgery on both channels: only the signature tells
            return 200, {}, {**customer.claims(), "sub": "someone-else", "email": "victim@shop.example"}
        return 200, {}, customer.claims()

    # --- HTTP -----------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002 — quiet in tests
                pass

            def _page(self, status: int, body: str) -> None:
                payload = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _answer(self, status: int, headers: dict[str, str], body: dict) -> None:
                payload = json.dumps(body).encode() if body else b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):  # noqa: N802 — http.server's naming
                url = urlsplit(self.path)
                provider.requests.append(f"GET {url.path}")
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._answer(200, {}, provider.discovery())
                elif url.path == "/jwks":
                    self._answer(200, {}, provider.jwks())
                elif url.path == "/authorize" and provider.asks_user and query.get("client_id") == provider.client_id:
                    self._page(200, provider.login_form(query))
                elif url.path == "/authorize":
                    self._answer(*provider.authorize(query))
                elif url.path == "/userinfo":
                    self._answer(*provider.userinfo(self.headers.get("Authorization", "")))
                else:
                    self._answer(404, {}, {"error": "not_found"})

            def do_POST(self):  # noqa: N802
                url = urlsplit(self.path)
                provider.requests.append(f"POST {url.path}")
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                if url.path == "/token":
                    self._answer(*provider.token(form, self.headers.get("Authorization", "")))
                elif url.path == "/authorize" and provider.asks_user:  # the «Sign in» button
                    self._answer(*provider.authorize(form))
                else:
                    self._answer(404, {}, {"error": "not_found"})

        return Handler
