"""``consult links`` run as an organiser would, against a running server process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import httpx

from tests.live.processes import ADMIN_KEY, server_process
from tests.live.test_links_scaled_out import an_event_with_a_room, bearer, token_of
from tests.test_cli import CONSULT


async def consult(
    *args: str, cwd: Path, key: str | None = ADMIN_KEY
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "CONSULT_ADMIN_KEY"}
    if key is not None:
        environment["CONSULT_ADMIN_KEY"] = key
    return await asyncio.to_thread(
        subprocess.run,
        [CONSULT, "links", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        check=False,
    )


async def test_links_are_listed_made_rotated_and_revoked_from_the_command_line(
    tmp_path: Path,
) -> None:
    async with server_process(f"sqlite:///{tmp_path / 'a.db'}") as server:
        at = ("--server", server.base_url)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
            uber, room_id, event_id = await an_event_with_a_room(http)

            made = await consult(
                "make",
                event_id,
                "--role",
                "uber",
                "--label",
                "Co-host",
                "--json",
                *at,
                cwd=tmp_path,
            )
            assert made.returncode == 0, made.stderr
            co_host = json.loads(made.stdout)
            assert co_host["role"] == "uber"
            assert (await http.get("/api/me", headers=bearer(token_of(co_host["url"])))).is_success

            moderator = await consult(
                "make", event_id, "--role", "moderator", "--room", room_id, "--label", "Ana",
                *at, cwd=tmp_path,
            )  # fmt: skip
            assert moderator.returncode == 0, moderator.stderr
            moderator_id, _, _, moderator_url = moderator.stdout.split()[:4]
            assert moderator_url.startswith("http")

            listed = await consult("list", event_id, *at, cwd=tmp_path)
            assert listed.returncode == 0, listed.stderr
            rows = listed.stdout.splitlines()
            assert rows[0].split()[:3] == ["id", "role", "who"]
            assert any(row.startswith(moderator_id) and "Ana" in row for row in rows)
            assert "Co-host" in listed.stdout

            rotated = await consult("rotate", event_id, moderator_id, "--json", *at, cwd=tmp_path)
            assert rotated.returncode == 0, rotated.stderr
            (replacement,) = json.loads(rotated.stdout)
            assert replacement["replaces"] == moderator_id
            old = await http.get("/api/me", headers=bearer(token_of(moderator_url)))
            assert old.status_code == 401
            new = await http.get("/api/me", headers=bearer(token_of(replacement["url"])))
            assert new.json()["you"]["label"] == "Ana"

            revoked = await consult("revoke", event_id, "--role", "uber", *at, cwd=tmp_path)
            assert revoked.returncode == 0, revoked.stderr
            assert revoked.stdout.startswith("revoked 2 link(s)")
            assert (await http.get("/api/me", headers=bearer(uber))).status_code == 401

            everything = await consult("list", event_id, "--all", "--json", *at, cwd=tmp_path)
            statuses = {link["id"]: link["status"] for link in json.loads(everything.stdout)}
            assert statuses[moderator_id] == "revoked"
            assert statuses[replacement["id"]] == "live"


async def test_refusals_say_why_and_exit_1(tmp_path: Path) -> None:
    async with server_process(f"sqlite:///{tmp_path / 'a.db'}") as server:
        at = ("--server", server.base_url)
        no_key = await consult("list", "some-event", *at, cwd=tmp_path, key=None)
        assert no_key.returncode == 1
        assert "admin key is needed" in no_key.stderr
        wrong_key = await consult("list", "some-event", *at, cwd=tmp_path, key="wrong")
        assert wrong_key.returncode == 1
        assert "admin key" in wrong_key.stderr
        unknown = await consult("list", "no-such-event", *at, cwd=tmp_path)
        assert unknown.returncode == 1
        assert "no event with id 'no-such-event'" in unknown.stderr
        both = await consult("revoke", "e", "l", "--role", "member", *at, cwd=tmp_path)
        assert both.returncode == 1
        assert "not both" in both.stderr
        bad_role = await consult("revoke", "e", "--role", "janitor", *at, cwd=tmp_path)
        assert "unknown role 'janitor'" in bad_role.stderr
    down = await consult("list", "e", "--server", server.base_url, cwd=tmp_path)
    assert down.returncode == 1
    assert "cannot reach the server" in down.stderr


async def test_the_report_comes_from_the_command_line(tmp_path: Path) -> None:
    async with server_process(f"sqlite:///{tmp_path / 'a.db'}") as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
            uber, room_id, event_id = await an_event_with_a_room(http)
            await http.post(
                f"/api/rooms/{room_id}/commands",
                headers=bearer(uber),
                json={"action": "start", "expected_version": 0},
            )
        at = ("--server", server.base_url)
        markdown = await report(event_id, *at, cwd=tmp_path)
        assert markdown.returncode == 0, markdown.stderr
        assert markdown.stdout.startswith("# Revocation: how it ran")
        assert "| 1 | Explanation |" in markdown.stdout
        as_json = await report(event_id, "--format", "json", *at, cwd=tmp_path)
        assert json.loads(as_json.stdout)["rooms"][0]["phases"][0]["phase_id"] == "explanation"
        as_csv = await report(event_id, "--format", "csv", *at, cwd=tmp_path)
        assert as_csv.stdout.splitlines()[0].startswith("room,round,phase,")
        unknown = await report(event_id, "--format", "pdf", *at, cwd=tmp_path)
        assert unknown.returncode == 1
        assert "unknown format 'pdf'" in unknown.stderr


async def report(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CONSULT_ADMIN_KEY": ADMIN_KEY}
    return await asyncio.to_thread(
        subprocess.run,
        [CONSULT, "report", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        check=False,
    )
