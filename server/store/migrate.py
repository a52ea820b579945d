"""Schema migrations (alembic): upgrade a database, or tell how far behind it is.

Rules:
- The schema is built only by the migrations in ``server/store/migrations``,
  never by ``create_all``, so an existing database is always changed by the
  same steps as a new one.
- A database written by the first release (its tables, but no alembic
  version) is marked as being at the baseline revision, then upgraded.
- SQLite rebuilds a table to change its constraints: the rebuild runs with
  foreign keys off, and a foreign key check afterwards refuses to finish if
  any reference is broken.
- On PostgreSQL an advisory lock makes concurrent upgrades (several workers
  starting at once) run one after the other.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
UPGRADE_LOCK = 0x636F6E73  # "cons": any constant shared by every consult process


class SchemaBehind(RuntimeError):
    """The database's schema is older than this server's and was not upgraded."""


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _is_first_release(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    return "event" in tables and "alembic_version" not in tables


def _upgrade(connection: Connection) -> tuple[str | None, str]:
    config = alembic_config(connection)
    if _is_first_release(connection):
        command.stamp(config, BASELINE)
    before = _current(connection)
    command.upgrade(config, "head")
    after = _current(connection)
    assert after is not None
    return before, after


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        if await connection.run_sync(_is_first_release):
            return "first release (no alembic version)"
        return await connection.run_sync(_current)


async def upgrade(engine: AsyncEngine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (revision before, after)."""
    sqlite = engine.dialect.name == "sqlite"
    postgres = engine.dialect.name == "postgresql"
    async with engine.connect() as connection:
        if sqlite:
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # The driver would open its transaction only at the first INSERT or UPDATE,
            # leaving earlier DDL (the baseline stamp, new tables) outside the rollback:
            # begin now, so a failed upgrade leaves the database exactly as it was.
            await connection.exec_driver_sql("BEGIN")
        if postgres:
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK})
        try:
            revisions = await connection.run_sync(_upgrade)
            if sqlite:
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"the upgrade left broken references: {broken[:5]}")
            await connection.commit()
        except BaseException:
            await connection.rollback()
            raise
        finally:
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            if postgres:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK}
                )
                await connection.commit()
    return revisions


def _known(revision: str) -> bool:
    scripts = ScriptDirectory.from_config(alembic_config())
    return any(script.revision == revision for script in scripts.walk_revisions())


async def require_current(engine: AsyncEngine) -> None:
    """Refuse to serve from a database whose schema is not this server's."""
    revision = await current_revision(engine)
    if revision == head():
        return
    if revision is not None and revision.isalnum() and not _known(revision):
        raise SchemaBehind(
            f"the database schema is at {revision}, which a newer version of consult wrote; "
            f"this server knows up to {head()}: run the newer version"
        )
    raise SchemaBehind(
        f"the database schema is at {revision or 'nothing (empty)'}, this server needs "
        f"{head()}: run `consult db upgrade --db <url>` first (or start with --upgrade-db)"
    )
