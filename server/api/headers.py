"""Security headers on every HTTP response (the websocket has its own Origin check).

Rules:
- Every response: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy:
  no-referrer`` (a page's address may hold a join link, which must never leave
  in a Referer), and ``X-Frame-Options: DENY``.
- Every HTML page of ours: a strict ``Content-Security-Policy`` (scripts,
  styles, connections only from this origin, no inline script, no framing:
  ``frame-ancestors 'none'``). Pages pass settings to their script as a JSON
  data block, never as inline script. The API explorer (``/docs``, ``/redoc``),
  whose script comes from a CDN, is left out of the CSP.
- Join-link pages and API answers: ``Cache-Control: no-store``, so neither a
  link nor what it shows stays in a shared cache or the browser's history cache.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
EVERY_RESPONSE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
NO_CSP_PATHS = ("/docs", "/redoc")
NO_STORE_PREFIXES = ("/j/", "/api/")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in EVERY_RESPONSE.items():
                    headers.setdefault(name, value)
                html = headers.get("content-type", "").startswith("text/html")
                if html and not path.startswith(NO_CSP_PATHS):
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                if path.startswith(NO_STORE_PREFIXES):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)
