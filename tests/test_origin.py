"""Which pages may open the live channel (the Origin check), as a pure function."""

from __future__ import annotations

import pytest

from server.api.origin import origin_allowed
from server.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (None, True),  # not a browser: the token decides
        ("https://consult.example.org", True),
        ("https://CONSULT.example.org:443", True),  # the same origin, spelled otherwise
        ("https://consult.example.org:8443", False),
        ("http://consult.example.org", False),
        ("https://partner.example.net", True),  # allowed by setting
        ("http://127.0.0.1:5173", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("http://evil.example", False),
        ("https://consult.example.org.evil.example", False),
        ("null", False),
        ("", False),
        ("javascript:alert(1)", False),
        ("http://[bad", False),
    ],
)
def test_an_origin_is_allowed_only_if_it_is_ours_loopback_or_listed(
    origin: str | None, allowed: bool
) -> None:
    configured = settings(
        public_url="https://consult.example.org/",
        allowed_origins=["https://partner.example.net"],
    )
    assert origin_allowed(origin, configured) is allowed


def test_without_a_public_url_the_served_host_and_port_are_the_origin() -> None:
    configured = settings(host="10.0.0.5", port=8000)
    assert origin_allowed("http://10.0.0.5:8000", configured)
    assert not origin_allowed("http://10.0.0.6:8000", configured)
