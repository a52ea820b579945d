"""Structured logs: one line per happening, with the event, room and connection it concerns.

Rules:
- Code logs through ``get_logger(__name__)`` with a short dotted happening as the
  message (``connection.evicted``, ``backplane.lost``) and its facts as keywords
  (``event_id``, ``room_id``, ``connection``, ``reason``...), never formatted into
  the text, so a JSON line can be filtered by any of them.
- ``configure(log_format)`` is called once per process by the command line:
  ``json`` prints one JSON object per line (for a log collector), ``console`` a
  readable line with the same facts. The standard library's records (uvicorn,
  asyncio, SQLAlchemy) go through the same renderer, so a process prints one
  format only.
- Without ``configure`` (tests, a library user), structlog's defaults apply and
  ``structlog.testing.capture_logs`` sees every line.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Literal

import structlog

LogFormat = Literal["json", "console"]

_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
]


def configure(log_format: LogFormat = "console", level: str = "info") -> None:
    """Route structlog and the standard library through one renderer on stderr."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    final: list[Any] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if log_format == "json":
        final.append(structlog.processors.format_exc_info)
    final.append(renderer)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_SHARED, structlog.stdlib.ExtraAdder()],
        processors=final,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Start-up chatter of libraries (alembic's plugins and migration context) is not news.
    for name in ("alembic", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # uvicorn installs its own handlers; let its records reach ours instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structured logger for a module."""
    return structlog.stdlib.get_logger(name)
