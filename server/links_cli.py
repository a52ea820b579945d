"""``consult links``: an event's join links from the command line, through the server.

Rules:
- Every command talks to the running server's REST API with the admin key
  (``--admin-key`` or ``CONSULT_ADMIN_KEY``), never to the database directly:
  a revocation then takes effect on every process at once, exactly as from the
  links page, and is logged as the admin's.
- ``--server`` defaults to the server's own public URL from its settings.
- Output for people by default; ``--json`` prints the server's answer as is.
  A refusal prints the server's message to stderr and exits 1.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn

import typer

links_app = typer.Typer(
    help="An event's join links: list, make, revoke, rotate (needs the admin key).",
    no_args_is_help=True,
)

ROLES = ("uber", "moderator", "member", "observer")

EventArg = Annotated[str, typer.Argument(help="The event's id.")]
ServerOption = Annotated[
    str | None,
    typer.Option("--server", help="The server's URL (default: its public URL from settings)."),
]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--admin-key",
        envvar="CONSULT_ADMIN_KEY",
        help="The server's admin key.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the server's JSON answer.")]
RoleOption = Annotated[
    str | None,
    typer.Option("--role", help=f"Every live link of a role: {', '.join(ROLES)}."),
]


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def call_server(
    method: str,
    path: str,
    *,
    event_id: str,
    server: str | None,
    admin_key: str | None,
    body: dict[str, Any] | None = None,
    text: bool = False,
) -> Any:
    """The server's answer to an admin-key request about one event (JSON, or the text
    itself with ``text``); a refusal or an unreachable server ends the command."""
    import httpx

    from server.settings import Settings

    if not admin_key:
        _fail("the admin key is needed: --admin-key KEY or CONSULT_ADMIN_KEY")
    base = (server or Settings().base_url).rstrip("/")
    try:
        response = httpx.request(
            method,
            f"{base}{path}",
            params={"event_id": event_id},
            headers={"X-Admin-Key": admin_key},
            json=body,
            timeout=30,
        )
    except httpx.HTTPError as error:
        _fail(f"cannot reach the server at {base}: {error}")
    if text and not response.is_error:
        return response.text
    try:
        data = response.json()
    except ValueError:
        _fail(f"the server answered {response.status_code} without JSON")
    if response.is_error:
        refusal = data.get("error", {}) if isinstance(data, dict) else {}
        _fail(refusal.get("message") or f"the server answered {response.status_code}")
    return data


def _when(epoch_ms: float | None) -> str:
    if epoch_ms is None:
        return "never"
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def _role(role: str | None) -> str | None:
    if role is not None and role not in ROLES:
        _fail(f"unknown role {role!r}; expected one of: {', '.join(ROLES)}")
    return role


def _print_new(links: list[dict[str, Any]]) -> None:
    for link in links:
        who = link["label"] or link["role"]
        typer.echo(f"{link['id']}  {link['role']:<9} {who:<30} {link['url']}")


@links_app.command("list")
def list_links(
    event_id: EventArg,
    server: ServerOption = None,
    admin_key: KeyOption = None,
    as_json: JsonOption = False,
    all_links: Annotated[bool, typer.Option("--all", help="Revoked links too.")] = False,
) -> None:
    """Every link of the event: who, role, room, created, last seen, connected now, status."""
    links = call_server("GET", "/api/links", event_id=event_id, server=server, admin_key=admin_key)
    if as_json:
        typer.echo(json.dumps(links, indent=2))
        return
    shown = [link for link in links if all_links or link["status"] != "revoked"]
    typer.echo(
        f"{'id':<12}  {'role':<9} {'who':<28} {'room':<14} {'created':<20} "
        f"{'last seen':<20} {'online':<6} status"
    )
    for link in shown:
        who = link["label"] or link["team_name"] or link["role"]
        room = link["room_label"] or ("every room" if link["role"] == "uber" else "-")
        status = link["status"] + (" (may make uber links)" if link["may_mint_uber"] else "")
        typer.echo(
            f"{link['id']:<12}  {link['role']:<9} {who[:28]:<28} {room[:14]:<14} "
            f"{_when(link['created_at']):<20} {_when(link['last_seen_at']):<20} "
            f"{'yes' if link['connected'] else 'no':<6} {status}"
        )
    hidden = len(links) - len(shown)
    if hidden:
        typer.echo(f"({hidden} revoked link(s) not shown: --all shows them)")


@links_app.command("make")
def make_link(
    event_id: EventArg,
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    label: Annotated[str, typer.Option(help="Who the link is for.")] = "",
    room: Annotated[str | None, typer.Option(help="The room's id (all but uber).")] = None,
    team: Annotated[str | None, typer.Option(help="The team's id (member links).")] = None,
    may_mint_uber: Annotated[
        bool, typer.Option("--may-mint-uber", help="An uber link that may make uber links.")
    ] = False,
    server: ServerOption = None,
    admin_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a link; its URL is shown only now."""
    link = call_server(
        "POST",
        "/api/links",
        event_id=event_id,
        server=server,
        admin_key=admin_key,
        body={
            "role": _role(role),
            "label": label,
            "room_id": room,
            "team_id": team,
            **({"may_mint_uber": True} if may_mint_uber else {}),
        },
    )
    if as_json:
        typer.echo(json.dumps(link, indent=2))
    else:
        _print_new([link])


def _one_or_role(
    verb: str,
    event_id: str,
    link_id: str | None,
    role: str | None,
    server: str | None,
    admin_key: str | None,
) -> Any:
    """Revoke or rotate one link (by id) or every live link of a role."""
    if (link_id is None) == (role is None):
        _fail("name one link (its id) or a role (--role), not both")
    path = f"/api/links/{link_id}/{verb}" if link_id else f"/api/links/{verb}-role"
    body = None if link_id else {"role": _role(role)}
    return call_server(
        "POST", path, event_id=event_id, server=server, admin_key=admin_key, body=body
    )


@links_app.command("revoke")
def revoke(
    event_id: EventArg,
    link_id: Annotated[str | None, typer.Argument(help="The link's id.")] = None,
    role: RoleOption = None,
    server: ServerOption = None,
    admin_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke one link (its id) or every live link of a role (--role)."""
    result = _one_or_role("revoke", event_id, link_id, role, server, admin_key)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        typer.echo(f"revoked {len(result['revoked'])} link(s): {' '.join(result['revoked'])}")


@links_app.command("rotate")
def rotate(
    event_id: EventArg,
    link_id: Annotated[str | None, typer.Argument(help="The link's id.")] = None,
    role: RoleOption = None,
    server: ServerOption = None,
    admin_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace one link (its id) or every live link of a role (--role); new URLs shown once."""
    result = _one_or_role("rotate", event_id, link_id, role, server, admin_key)
    made = result if isinstance(result, list) else [result]
    if as_json:
        typer.echo(json.dumps(made, indent=2))
    else:
        _print_new(made)
