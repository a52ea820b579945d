"""Where the web client's templates and static files are.

Rules: packaged data first (an installed wheel), then the checkout's
``web_client/`` beside the ``server`` package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def web_client_dir() -> Path:
    for candidate in (_PACKAGE_DIR / "_data" / "web_client", _PACKAGE_DIR.parent / "web_client"):
        if (candidate / "templates").is_dir():
            return candidate
    raise FileNotFoundError(
        "web_client directory with templates/ not found beside the server package"
    )
