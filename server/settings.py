"""Settings, from arguments, the environment (``CONSULT_*``) or a ``.env`` file.

Rules: settings are read once, by the CLI or a test, and passed to
``create_app``; nothing reads them at import time.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSULT_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///./consult.db",
        description="SQLAlchemy URL; sqlite+aiosqlite:///file.db or postgresql+asyncpg://...",
    )
    backplane_url: str = Field("memory://", description="memory:// or redis://host:port/db")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    public_url: str | None = Field(
        None, description="Base URL for join links; default http://host:port"
    )
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Web origins besides the public URL's (and loopback) whose pages may open "
        'the live channel, e.g. ["https://consult.example.org"]',
    )
    clock_speed: float = Field(
        1.0, gt=0, le=3600, description="Rehearsal speed-up (60: a minute a second)"
    )
    admin_key: SecretStr | None = Field(
        None, description="Creates events; generated at start if unset"
    )
    max_body_bytes: int = Field(
        64 * 1024, ge=1024, le=16 * 2**20, description="Largest REST request body"
    )
    max_csv_bytes: int = Field(2 * 2**20, ge=1024, le=64 * 2**20, description="Largest CSV import")
    rest_per_token: str = Field(
        "300/minute", description="REST calls one link may make (limits notation)"
    )
    rest_per_address: str = Field(
        "1200/minute", description="REST calls from one client address (limits notation)"
    )
    invalid_tokens_per_address: str = Field(
        "60/minute",
        description="Attempts with links that are not valid, per client address, before "
        "every attempt from it is refused for the rest of the window",
    )
    ws_burst: int = Field(
        30, ge=5, le=10_000, description="Frames a client may send at once on its websocket"
    )
    ws_frames_per_second: float = Field(
        10, gt=0, le=10_000, description="Frames a second a client may send, over time"
    )
    ws_refusals_before_close: int = Field(
        50, ge=1, le=100_000, description="Refused frames (within about 10 s) before closing 1008"
    )
    send_queue_size: int = Field(256, ge=8, le=100_000, description="Messages buffered per client")
    ws_implementation: Literal["auto", "websockets", "websockets-sansio", "wsproto"] = Field(
        "auto", description="uvicorn's websocket implementation"
    )
    ws_ping_interval: float = Field(
        20.0, gt=0, le=300, description="Seconds between keepalive pings on each websocket"
    )
    ws_ping_timeout: float = Field(
        20.0, gt=0, le=300, description="Seconds a pong may take before the socket is closed"
    )
    log_format: Literal["console", "json"] = Field(
        "console", description="console (readable lines) or json (one object per line)"
    )
    upgrade_database: bool | None = Field(
        None,
        description="Upgrade the schema at start: default yes for SQLite, no (check only) "
        "for other databases, which `consult db upgrade` upgrades",
    )
    gc_policy: bool = Field(
        True,
        description="Freeze start-up objects and run full garbage collections only at quiet "
        "moments (server.gc_policy); off in tests that start many servers in one process",
    )
    link_grace_hours: float = Field(
        24.0,
        ge=0,
        le=24 * 366,
        description="Hours after an event's main-room time that its links keep working",
    )
    retention_days: float | None = Field(
        None,
        gt=0,
        le=3650,
        description="Delete an event and everything about it this many days after its "
        "main-room time (unset: keep until an uber moderator or the admin deletes it)",
    )
    more_time_asks_per_round: int = Field(
        2, ge=0, le=10, description="Times a room may ask for one more minute per round"
    )
    fit_minimum_seconds: int = Field(60, ge=0, le=600)
    default_recall_seconds: int = Field(60, ge=10, le=120)

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"
