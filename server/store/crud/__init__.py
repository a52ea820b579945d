"""Keyword-only persistence functions (after the FastAPI full-stack template's crud.py).

Rules:
- Functions take an open session and keyword arguments only, so calls read
  like prose and cannot be mis-ordered; they flush but never commit: the
  caller owns the transaction.
- What they read comes back as domain records (``server.domain.records``)
  and run states, never as table rows, so nothing above the store holds a row.
- Stored state changes only through the compare-and-set writes
  (``write_rooms``, ``write_event``, ``write_help``): each writes only if the
  stored version is still the one the change was decided on, and says
  whether it did. Inserts of new things are the only other writes.
- Access tokens are random (256 bits) and stored only as their SHA-256 hash;
  the raw token exists once, in the value returned to whoever created it.
  Revoking links is their compare-and-set (live to revoked, once).

One module per kind of thing stored (events, setup, rooms, log, tokens, help,
the clock anchor), ``reads`` for what a change loads in one go and ``rows``
for the tables and the records their rows become; callers use this package's
names, not its modules.
"""

from __future__ import annotations

from server.store.crud.agenda import get_agenda, insert_agenda, write_agenda
from server.store.crud.anchor import delete_clock_anchor, get_clock_anchor, put_clock_anchor
from server.store.crud.edits import (
    claim_setup_version,
    deal_seats,
    delete_room,
    delete_team,
    point_room_links,
    rehome_member_links,
    room_link_ids,
    team_link_ids,
    update_room,
    update_team,
)
from server.store.crud.events import (
    create_event,
    delete_event,
    events_ended_before,
    events_recalling,
    get_event,
    update_event_plan,
    write_event,
)
from server.store.crud.feedback import (
    find_feedback,
    insert_feedback,
    list_feedback,
    write_feedback,
)
from server.store.crud.forms import (
    FormResponse,
    find_form_response,
    insert_form_response,
    list_form_responses,
    write_form_response,
)
from server.store.crud.help import (
    create_help_request,
    get_help_request,
    hold_requester,
    list_help_requests,
    write_help,
)
from server.store.crud.log import LogEntry, append_logs, read_log
from server.store.crud.notes import (
    consented_at,
    consented_links,
    find_note,
    insert_note,
    list_notes,
    record_consent,
    write_note,
)
from server.store.crud.reads import (
    Loaded,
    Setup,
    StoredRoom,
    bump_setup_version,
    load_event_states,
    load_setup,
    load_states,
)
from server.store.crud.room_requests import (
    create_room_request,
    get_room_request,
    list_room_requests,
    write_room_request,
)
from server.store.crud.rooms import StateWrite, rooms_with_deadlines, write_rooms
from server.store.crud.rows import hash_token
from server.store.crud.setup import (
    add_teams,
    create_room,
    get_teams,
    last_room_position,
    list_teams,
    seated_team_ids,
    set_moderator_name,
)
from server.store.crud.tokens import (
    create_token,
    list_links,
    live_grants,
    note_sightings,
    resolve_token,
    revoke_links,
    revoked_since,
    set_replacement,
)

__all__ = [
    "FormResponse",
    "Loaded",
    "LogEntry",
    "Setup",
    "StateWrite",
    "StoredRoom",
    "add_teams",
    "append_logs",
    "bump_setup_version",
    "claim_setup_version",
    "consented_at",
    "consented_links",
    "create_event",
    "create_help_request",
    "create_room",
    "create_room_request",
    "create_token",
    "deal_seats",
    "delete_clock_anchor",
    "delete_event",
    "delete_room",
    "delete_team",
    "events_ended_before",
    "events_recalling",
    "find_feedback",
    "find_form_response",
    "find_note",
    "get_agenda",
    "get_clock_anchor",
    "get_event",
    "get_help_request",
    "get_room_request",
    "get_teams",
    "hash_token",
    "hold_requester",
    "insert_agenda",
    "insert_feedback",
    "insert_form_response",
    "insert_note",
    "last_room_position",
    "list_feedback",
    "list_form_responses",
    "list_help_requests",
    "list_links",
    "list_notes",
    "list_room_requests",
    "list_teams",
    "live_grants",
    "load_event_states",
    "load_setup",
    "load_states",
    "note_sightings",
    "point_room_links",
    "put_clock_anchor",
    "read_log",
    "record_consent",
    "rehome_member_links",
    "resolve_token",
    "revoke_links",
    "revoked_since",
    "room_link_ids",
    "rooms_with_deadlines",
    "seated_team_ids",
    "set_moderator_name",
    "set_replacement",
    "team_link_ids",
    "update_event_plan",
    "update_room",
    "update_team",
    "write_agenda",
    "write_event",
    "write_feedback",
    "write_form_response",
    "write_help",
    "write_note",
    "write_room_request",
    "write_rooms",
]
