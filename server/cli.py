"""The ``consult`` command line.

Rules: commands work from any directory, from a checkout or an installed
package (the protocol definitions ship with the distribution). Errors go to
stderr with exit status 1; output meant for programs (``--json``) is the only
thing on stdout.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import SecretStr

from server.grouping_cli import rooms_app
from server.links_cli import links_app
from server.protocols import ProtocolFileError, load_protocol_file, shipped_library
from server.wire.timeline import clock, render_text, timeline

if TYPE_CHECKING:
    from collections.abc import Callable

    from server.settings import Settings

app = typer.Typer(
    help="consult: run structured professional-learning protocols in breakout rooms.",
    no_args_is_help=True,
    add_completion=False,
)
protocols_app = typer.Typer(help="Protocol definitions.", no_args_is_help=True)
app.add_typer(protocols_app, name="protocols")
db_app = typer.Typer(
    help="The database: schema upgrades and the rehearsal clock.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(links_app, name="links")
app.add_typer(rooms_app, name="rooms")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: CONSULT_DATABASE_URL, else SQLite file consult.db)."
    ),
]


def _database_url(db: str | None) -> str:
    from server.settings import Settings

    return db or Settings().database_url


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Upgrade the schema to this version's (safe to run again; safe from several hosts)."""
    from server.store.db import create_engine
    from server.store.migrate import upgrade

    async def run() -> tuple[str | None, str]:
        engine = create_engine(_database_url(db))
        try:
            return await upgrade(engine)
        finally:
            await engine.dispose()

    before, after = asyncio.run(run())
    if before == after:
        typer.echo(f"the schema is already at {after}")
    else:
        typer.echo(f"upgraded the schema from {before or 'nothing'} to {after}")


@db_app.command("current")
def db_current(db: DbOption = None) -> None:
    """Show the schema revision of a database and the one this version needs."""
    from server.store.db import create_engine
    from server.store.migrate import current_revision, head

    async def run() -> str | None:
        engine = create_engine(_database_url(db))
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    typer.echo(f"database: {asyncio.run(run()) or 'empty'}; this version needs: {head()}")


@db_app.command("reset-clock")
def db_reset_clock(db: DbOption = None) -> None:
    """Forget a rehearsal's clock: the next start runs on the wall clock again."""
    from server.service.rehearsal import reset
    from server.store.db import open_database, session_factory

    async def run() -> str:
        engine = await open_database(_database_url(db))
        try:
            old = await reset(session_factory(engine))
        finally:
            await engine.dispose()
        if old is None:
            return "no rehearsal clock was stored: the server runs on the wall clock"
        return f"forgot the x{old.speed:g} rehearsal clock: the next start runs on the wall clock"

    typer.echo(asyncio.run(run()))


@protocols_app.command("list")
def list_protocols() -> None:
    """List the shipped protocols."""
    for protocol in shipped_library():
        typer.echo(
            f"{protocol.id:<26} {protocol.rounds.count} x {clock(protocol.round_seconds):>6}  "
            f"{protocol.title}"
        )


@protocols_app.command("show")
def show_protocol(
    protocol_id: Annotated[str, typer.Argument(metavar="ID", help="A protocol id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the timeline as JSON.")] = False,
) -> None:
    """Show a protocol's timeline: rounds, phases, durations, roles and instructions."""
    library = shipped_library()
    if protocol_id not in library:
        known = ", ".join(protocol.id for protocol in library)
        typer.echo(f"error: unknown protocol {protocol_id!r}; known: {known}", err=True)
        raise typer.Exit(1)
    protocol = library.get(protocol_id)
    if as_json:
        typer.echo(json.dumps(timeline(protocol), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_text(protocol))


@protocols_app.command("validate")
def validate_protocols(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Protocol YAML files.")],
) -> None:
    """Check protocol files; exit 1 and print every problem if any is invalid."""
    failed = False
    for path in files:
        try:
            protocol = load_protocol_file(path)
        except ProtocolFileError as error:
            failed = True
            typer.echo(f"error: {error}", err=True)
        else:
            typer.echo(f"{path}: ok ({protocol.id}, {clock(protocol.total_seconds)})")
    if failed:
        raise typer.Exit(1)


WORKERS_NEED = (
    "several workers share the state through PostgreSQL and the live channel through Redis: "
    "give --db postgresql+asyncpg://... and --backplane redis://... (see docs/deploy.md)"
)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: SQLite file consult.db).")
    ] = None,
    backplane: Annotated[
        str | None, typer.Option(help="memory:// (default) or redis://host:port/db to scale out.")
    ] = None,
    clock_speed: Annotated[
        float | None, typer.Option(help="Rehearsal speed-up: 60 runs a 25-minute round in 25 s.")
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Create a demo event and print its join links.")
    ] = False,
    upgrade_db: Annotated[
        bool | None,
        typer.Option(
            "--upgrade-db/--no-upgrade-db",
            help="Upgrade the schema at start (default: yes for SQLite; PostgreSQL is "
            "upgraded with `consult db upgrade`).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes sharing the port (more than 1 needs PostgreSQL and Redis).",
        ),
    ] = 1,
    log_format: Annotated[
        str | None,
        typer.Option(help="console (default: readable lines) or json (one object per line)."),
    ] = None,
) -> None:
    """Run the live server (settings also from CONSULT_* environment variables)."""
    import os

    import uvicorn
    from pydantic import ValidationError

    from server import logs
    from server.settings import Settings

    overrides = {
        key: value
        for key, value in {
            "host": host,
            "port": port,
            "database_url": db,
            "backplane_url": backplane,
            "clock_speed": clock_speed,
            "upgrade_database": upgrade_db,
            "log_format": log_format,
        }.items()
        if value is not None
    }
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors(include_url=False)
        )
        typer.echo(f"error: {problems}", err=True)
        raise typer.Exit(1) from None
    logs.configure(settings.log_format)
    if workers > 1 and (
        settings.database_url.startswith("sqlite") or settings.backplane_url.startswith("memory")
    ):
        typer.echo(f"error: --workers {workers} refused: {WORKERS_NEED}", err=True)
        raise typer.Exit(1)
    generated_key = settings.admin_key is None
    if generated_key:
        settings.admin_key = SecretStr(secrets.token_urlsafe(18))

    def announce() -> None:
        processes = f", {workers} workers" if workers > 1 else ""
        typer.echo(
            f"consult is serving on {settings.base_url}  (database {settings.database_url}"
            f"{processes})"
        )
        if settings.clock_speed != 1:
            typer.echo(f"rehearsal clock: x{settings.clock_speed:g}")
        if generated_key and settings.admin_key is not None:
            key = settings.admin_key.get_secret_value()
            typer.echo(f"admin key for this run (header X-Admin-Key): {key}")

    if workers == 1:
        _serve_one(settings, demo=demo, announce=announce)
        return
    # Several workers: this process prepares once (schema, demo event), then uvicorn's
    # supervisor starts the workers, each building its app from the environment, and
    # restarts any that dies.
    asyncio.run(_prepare(settings, demo=demo))
    os.environ.update(_environment(settings))
    announce()
    uvicorn.run(
        "server.main:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level="warning",
        log_config=None,
        **_websocket_options(settings),
    )


def _websocket_options(settings: Settings) -> dict[str, Any]:
    from server.serving import websocket_options

    options = websocket_options(settings)
    if not isinstance(options["ws"], str):
        # A worker process imports the protocol class by itself: pass the path.
        options["ws"] = "server.fast_ws:ConsultWebSocketProtocol"
    return options


def _environment(settings: Settings) -> dict[str, str]:
    """The settings as CONSULT_* variables, for worker processes to read."""
    values = settings.model_dump(exclude_none=True)
    if settings.admin_key is not None:
        values["admin_key"] = settings.admin_key.get_secret_value()
    values["upgrade_database"] = False  # done once, by _prepare
    return {f"CONSULT_{key.upper()}": str(value) for key, value in values.items()}


async def _prepare(settings: Settings, *, demo: bool) -> None:
    """Start the app once without serving: upgrade the schema, create the demo event."""
    from server.demo import create_demo
    from server.main import create_app
    from server.service import Services

    async def on_ready(services: Services) -> None:
        if demo:
            typer.echo((await create_demo(services)).render())

    application = create_app(settings, on_ready=on_ready)
    async with application.router.lifespan_context(application):
        pass


def _serve_one(settings: Settings, *, demo: bool, announce: Callable[[], None]) -> None:
    import uvicorn

    from server.demo import create_demo
    from server.main import LiveChannelFirst, create_app
    from server.service import Services

    async def on_ready(services: Services) -> None:
        announce()
        if demo:
            links = await create_demo(services)
            typer.echo(links.render())

    application = create_app(settings, on_ready=on_ready)
    uvicorn.run(
        LiveChannelFirst(application),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        log_config=None,
        **_websocket_options(settings),
    )


@app.command("report")
def report(
    event_id: Annotated[str, typer.Argument(help="The event's id.")],
    output_format: Annotated[
        str, typer.Option("--format", help="md (default), json, csv or svg.")
    ] = "md",
    server: Annotated[
        str | None, typer.Option("--server", help="The server's URL (default: its public URL).")
    ] = None,
    admin_key: Annotated[
        str | None,
        typer.Option("--admin-key", envvar="CONSULT_ADMIN_KEY", help="The server's admin key."),
    ] = None,
) -> None:
    """How an event ran, room by room, from the running server (needs the admin key)."""
    from server.links_cli import call_server

    paths = {
        "md": "/api/report.md",
        "json": "/api/report",
        "csv": "/api/report.csv",
        "svg": "/api/report.svg",
    }
    if output_format not in paths:
        typer.echo(
            f"error: unknown format {output_format!r}; expected md, json, csv or svg", err=True
        )
        raise typer.Exit(1)
    answer = call_server(
        "GET",
        paths[output_format],
        event_id=event_id,
        server=server,
        admin_key=admin_key,
        text=output_format != "json",
    )
    typer.echo(answer if isinstance(answer, str) else json.dumps(answer, indent=2), nl=False)


def main() -> None:
    app()
