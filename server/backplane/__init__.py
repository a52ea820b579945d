"""Backplane: carries serialized ``str`` messages between processes, behind one interface.

``create_backplane(url)`` picks the backend by URL scheme: ``memory://`` (in-process, the
embedded default) or ``redis://`` / ``rediss://`` (Redis pub/sub, for several processes).
The Redis module is imported only when a Redis URL is used, so the memory backend never
loads the Redis client.

Rules every backend keeps (details in ``server.backplane.base``):

- Messages are ``str`` only; ``publish`` refuses anything else with ``TypeError``.
- Each subscription buffers at most ``capacity`` messages. A subscriber more than
  ``capacity`` behind gets ``SubscriptionLagged`` on its next ``get()``, then newer
  messages; publishing never blocks on a slow subscriber.
- Each subscriber of a channel gets every message published after its ``subscribe()``
  context was entered, in order, and nothing from other channels; leaving the context
  unsubscribes.
"""

from __future__ import annotations

from server.backplane.base import (
    Backplane,
    BackplaneError,
    Subscription,
    SubscriptionClosed,
    SubscriptionLagged,
    redact_url,
)
from server.backplane.memory import MemoryBackplane

__all__ = [
    "SUPPORTED_SCHEMES",
    "Backplane",
    "BackplaneError",
    "MemoryBackplane",
    "Subscription",
    "SubscriptionClosed",
    "SubscriptionLagged",
    "create_backplane",
]

SUPPORTED_SCHEMES = ("memory", "redis", "rediss")


def create_backplane(url: str, *, capacity: int = 1000) -> Backplane:
    """Build (but do not connect) the backplane that ``url`` names."""
    scheme, separator, _ = url.partition("://")
    scheme = scheme.lower()
    if separator and scheme == "memory":
        return MemoryBackplane(capacity=capacity)
    if separator and scheme in ("redis", "rediss"):
        # Imported here, not at the top: the redis client is only needed (and only
        # paid for at start-up) when a Redis URL is configured.
        from server.backplane.redis import RedisBackplane

        return RedisBackplane(url, capacity=capacity)
    supported = ", ".join(f"{name}://" for name in SUPPORTED_SCHEMES)
    shown = f"scheme {scheme!r}" if separator else "no scheme"
    raise ValueError(
        f"unknown backplane URL {redact_url(url)!r}: {shown}; supported schemes: {supported}"
    )
