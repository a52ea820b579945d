"""REST limits per token and per client address, and invalid-token attempts per address.

Rules:
- Every authenticated REST call counts against its token (``rest_per_token``) and
  its client address (``rest_per_address``); past either, the call is answered
  ``429 rate_limited`` with ``Retry-After`` and nothing else happens.
- Every attempt with a token (or admin key) that is not valid counts against the
  client address (``invalid_tokens_per_address``); past that, every attempt from
  the address that carries a token (REST, a join page, a websocket handshake) is
  answered 429 until the window has passed, before any token is looked up: an
  answer that depended on the guess would tell a guesser which guess was right.
- Windows are moving windows from the ``limits`` library, in this process's
  memory: with N workers an address gets up to N times each limit.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from server.errors import ServiceError
from server.settings import Settings


class TooManyRequests(ServiceError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Throttle:
    def __init__(self, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_token = parse(settings.rest_per_token)
        self._per_address = parse(settings.rest_per_address)
        self._invalid = parse(settings.invalid_tokens_per_address)

    def guard(self, address: str) -> None:
        """Before a token is looked up: refuse if the address guessed too often."""
        if not self._limiter.test(self._invalid, "invalid", address):
            raise TooManyRequests(
                "too many attempts with links that are not valid from this address; "
                f"try again in {self._wait(self._invalid, 'invalid', address)} s",
                self._wait(self._invalid, "invalid", address),
            )

    def failed(self, address: str) -> None:
        """A token (or admin key) that was not valid, from this address."""
        self._limiter.hit(self._invalid, "invalid", address)

    def served(self, token: str, address: str) -> None:
        """An authenticated call: count it, or refuse it if over a limit."""
        for item, kind, key in (
            (self._per_token, "token", token),
            (self._per_address, "address", address),
        ):
            if not self._limiter.hit(item, kind, key):
                wait = self._wait(item, kind, key)
                raise TooManyRequests(
                    f"too many requests from this {'link' if kind == 'token' else 'address'} "
                    f"({item}); try again in {wait} s",
                    wait,
                )

    def _wait(self, item: RateLimitItem, *keys: str) -> int:
        stats = self._limiter.get_window_stats(item, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))
