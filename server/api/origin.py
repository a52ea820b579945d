"""Which web pages may open the live channel: the ``Origin`` check before the handshake.

Rules:
- A browser sends ``Origin`` with every websocket handshake, and a page on any
  site can open a websocket to any server: without this check, a page that got
  hold of a join link could act with it from another site (cross-site websocket
  hijacking). The check runs before the handshake; a refused origin gets HTTP 403
  and nothing else.
- Allowed: the origin of the public URL (``public_url``, else the host and
  port served), loopback origins on any port (``localhost``, ``127.0.0.1``,
  ``[::1]``: development and tests), and every origin in ``allowed_origins``.
- No ``Origin`` at all is allowed: only a program (not a browser) omits it, and
  a program could send any origin it liked; the token is what authorises.
- ``null`` (sandboxed frames, ``file://`` pages) is refused.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from server.settings import Settings

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` in lower case, default ports left out; None if not a URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme}://{host.lower()}{suffix}"


def origin_allowed(origin: str | None, settings: Settings) -> bool:
    if origin is None:
        return True
    normalized = _origin_of(origin)
    if normalized is None:
        return False  # "null", or not an origin at all
    host = urlsplit(normalized).hostname
    if host in LOOPBACK_HOSTS:
        return True
    allowed = {_origin_of(settings.base_url), *map(_origin_of, settings.allowed_origins)}
    return normalized in allowed
