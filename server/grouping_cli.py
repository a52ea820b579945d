"""``consult rooms group``: propose (and on request commit) an event's rooms from the
command line, through the running server.

Rules:
- Like ``consult links``, it talks to the server's REST API with the admin key, never
  to the database: a commit is the same one change as from the setup page.
- Without ``--commit`` it is a dry run: the proposal, each room's score and why, the
  total, the bound (rooms of three or more), the unplaced and any keep-apart break.
- ``--commit`` creates exactly the rooms just proposed, on the setup version the
  proposal was made on (refused if the setup changed in between).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from server.links_cli import EventArg, JsonOption, KeyOption, ServerOption, call_server

rooms_app = typer.Typer(help="An event's rooms (needs the admin key).", no_args_is_help=True)


def _weights(text: str | None) -> dict[str, float]:
    if not text:
        return {}
    weights: dict[str, float] = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in ("text", "tags", "stage"):
            raise typer.BadParameter(f"unknown weight {name!r}; expected text, tags or stage")
        try:
            weights[name] = float(value)
        except ValueError:
            raise typer.BadParameter(f"weight {name} needs a number, got {value!r}") from None
    return weights


def _names(refs: list[dict[str, Any]]) -> str:
    return " & ".join(str(ref["name"]) for ref in refs)


def _print(view: dict[str, Any]) -> None:
    for number, room in enumerate(view["rooms"], start=1):
        extra = f" (+ {room['extra']['name']})" if room["extra"] else ""
        typer.echo(f"{number:>3}. {_names(room['teams'])}{extra}  score {room['score']:.2f}")
        typer.echo(f"     {room['explanation']}")
    bound = f" (bound {view['bound']:.2f})" if view["bound"] is not None else " (optimal)"
    greedy = f"; greedy {view['greedy_total']:.2f}" if view.get("greedy_total") is not None else ""
    typer.echo(f"total {view['total']:.2f}{bound}{greedy} · {view['method']}")
    if view["unplaced"]:
        typer.echo("unplaced: " + ", ".join(team["name"] for team in view["unplaced"]))
    for a, b in view["breaks"]:
        typer.echo(
            f"kept together despite a shared {'/'.join(view['keep_apart_by'])}: "
            f"{a['name']} & {b['name']}"
        )


@rooms_app.command("group")
def group_rooms(
    event_id: EventArg,
    server: ServerOption = None,
    admin_key: KeyOption = None,
    as_json: JsonOption = False,
    commit: Annotated[
        bool, typer.Option("--commit", help="Create the proposed rooms (default: dry run).")
    ] = False,
    keep_apart: Annotated[
        str,
        typer.Option(
            help="Fields to keep apart: state, organisation, both comma-separated, or none."
        ),
    ] = "state",
    weights: Annotated[
        str | None, typer.Option(help="Weights, e.g. text=0.6,tags=0.25,stage=0.15.")
    ] = None,
    odd_team: Annotated[
        str | None, typer.Option(help="A team left over: join (a room one larger) or observe.")
    ] = None,
) -> None:
    """Group the teams not yet in a room: a dry run, or with --commit the rooms created."""
    body: dict[str, Any] = {
        "keep_apart_by": []
        if keep_apart == "none"
        else [field.strip() for field in keep_apart.split(",") if field.strip()],
        "odd_team": odd_team,
    }
    if weights:
        body["weights"] = _weights(weights)
    view = call_server(
        "POST",
        "/api/rooms/group/preview",
        event_id=event_id,
        server=server,
        admin_key=admin_key,
        body=body,
    )["detail"]
    if commit:
        body["rooms"] = [
            [team["id"] for team in room["teams"]]
            + ([room["extra"]["id"]] if room["extra"] else [])
            for room in view["rooms"]
        ]
        body["setup_version"] = view["setup_version"]
        view = call_server(
            "POST",
            "/api/rooms/group",
            event_id=event_id,
            server=server,
            admin_key=admin_key,
            body=body,
        )["detail"]
    if as_json:
        typer.echo(json.dumps(view, indent=2))
        return
    _print(view)
    if commit:
        typer.echo(f"created {len(view['room_ids'])} room(s)")
