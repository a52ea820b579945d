"""The ``consult`` command line.

Rules: commands work from any directory, from a checkout or an installed
package (the protocol definitions ship with the distribution). Errors go to
stderr with exit status 1; output meant for programs (``--json``) is the only
thing on stdout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from server.protocols import ProtocolFileError, load_protocol_file, shipped_library
from server.timeline import clock, render_text, timeline

app = typer.Typer(
    help="consult: run structured professional-learning protocols in breakout rooms.",
    no_args_is_help=True,
    add_completion=False,
)
protocols_app = typer.Typer(help="Protocol definitions.", no_args_is_help=True)
app.add_typer(protocols_app, name="protocols")


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


def main() -> None:
    app()
