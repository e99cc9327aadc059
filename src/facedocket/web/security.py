"""HTTP hardening that holds for every response, and the login form's CSRF token.

Headers: a strict Content-Security-Policy (own origin only, no inline script, no framing),
nosniff, no referrer, no caching of pages that carry case data, and HSTS outside
development. Request bodies larger than the configured limit are refused before they are
read. A route may set its own CSP (documents shown beside a request need to be framed by
our own pages); the middleware only fills in what a response did not set.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from facedocket.accounts.passkeys import Party
from facedocket.settings import Settings

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
# Documents open in a frame of our own pages, so they allow our origin as a frame parent.
DOCUMENT_CSP = "frame-ancestors 'self'"
HSTS = "max-age=63072000; includeSubDomains"
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class Hardening:
    """Pure ASGI middleware: the body limit on the way in, headers on the way out."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_body = settings.max_request_bytes
        self.headers = dict(HEADERS)
        if settings.environment != "development":
            self.headers["strict-transport-security"] = HSTS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._body_refusal(scope)
        if refusal is not None:
            await self._refuse(send, *refusal)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                headers.setdefault("cache-control", "max-age=3600" if static else "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _body_refusal(self, scope: Scope) -> tuple[int, str] | None:
        if scope["method"] not in UNSAFE_METHODS:
            return None
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is None:
            if "chunked" in headers.get("transfer-encoding", ""):
                return 411, "send the body with a Content-Length"
            return None
        if not length.isdigit():
            return 400, "the Content-Length is not a number"
        if int(length) > self.max_body:
            return 413, f"the request is larger than {self.max_body:,} bytes"
        return None

    async def _refuse(self, send: Send, status: int, message: str) -> None:
        body = json.dumps({"detail": message}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *((k.encode(), v.encode()) for k, v in self.headers.items()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def login_nonce() -> str:
    return secrets.token_urlsafe(24)


def login_form_token(key: bytes, nonce: str) -> str:
    """The hidden field of the login form: bound to the nonce in the login cookie, so a
    forged sign-in from another site (login CSRF) has no valid pair."""
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


def login_form_ok(key: bytes, nonce: str | None, token: str) -> bool:
    return bool(nonce) and hmac.compare_digest(login_form_token(key, nonce or ""), token)


def session_cookie(settings: Settings) -> str:
    """``__Host-`` binds the cookie to this exact origin over HTTPS (no Domain, path /)."""
    return "__Host-facedocket" if settings.secure_cookies else "facedocket_session"


def login_cookie(settings: Settings) -> str:
    return "__Host-facedocket-login" if settings.secure_cookies else "facedocket_login"


def relying_party(request: Request, settings: Settings) -> Party:
    """The site passkeys are bound to: ``PUBLIC_URL`` when it is set, else this request's.

    Taking it from the request is safe: a browser signs only for the site it is on, so a
    look-alike site that forwards our Host header still gets no answer for our name.
    """
    configured = "public_url" in settings.model_fields_set  # its default names no site
    address = urlsplit(settings.public_url if configured else str(request.base_url))
    return Party(rp_id=address.hostname or "", origin=f"{address.scheme}://{address.netloc}")
