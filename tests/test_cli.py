"""The consult command line, run as a user would: a subprocess from another directory."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from server.protocols import shipped_protocols_dir

CONSULT = shutil.which("consult", path=str(Path(sys.executable).parent)) or "consult"


def consult(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CONSULT, *args], capture_output=True, text=True, cwd=cwd, check=False)


def test_list_names_every_shipped_protocol(tmp_path: Path) -> None:
    result = consult("protocols", "list", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for path in shipped_protocols_dir().glob("*.yaml"):
        assert path.stem in result.stdout


def test_show_json_prints_seed_000_timeline(tmp_path: Path) -> None:
    result = consult("protocols", "show", "t4tla-consultancy", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["rounds"]) == 2
    for round_data in data["rounds"]:
        assert [(p["title"], p["duration_seconds"]) for p in round_data["phases"]] == [
            ("Explanation", 180),
            ("Clarification", 180),
            ("Collaborative inquiry and discussion", 480),
            ("Reflective response", 480),
            ("Final thoughts", 180),
        ]
        for phase in round_data["phases"]:
            assert set(phase["instructions"]) == {"presenting", "inquiry", "moderator", "observer"}
    assert [seat["role"] for seat in data["rounds"][0]["seating"]] == ["presenting", "inquiry"]
    assert [seat["role"] for seat in data["rounds"][1]["seating"]] == ["inquiry", "presenting"]
    assert data["total_seconds"] == 50 * 60


def test_show_text_is_a_readable_timeline(tmp_path: Path) -> None:
    result = consult("protocols", "show", "t4tla-consultancy", cwd=tmp_path)
    assert result.returncode == 0
    assert "Round 2" in result.stdout
    assert "Collaborative inquiry and discussion" in result.stdout


def test_show_unknown_protocol_fails_naming_the_known_ones(tmp_path: Path) -> None:
    result = consult("protocols", "show", "nope", cwd=tmp_path)
    assert result.returncode == 1
    assert "unknown protocol 'nope'" in result.stderr
    assert "t4tla-consultancy" in result.stderr


def test_validate_accepts_good_files_and_exits_1_on_a_bad_one(tmp_path: Path) -> None:
    good = shipped_protocols_dir() / "grow-coaching.yaml"
    bad = tmp_path / "grow-coaching.yaml"
    bad.write_text(
        good.read_text(encoding="utf-8").replace("duration: 5m", "duration: five", 1),
        encoding="utf-8",
    )
    ok = consult("protocols", "validate", str(good), cwd=tmp_path)
    assert ok.returncode == 0
    assert "ok" in ok.stdout
    failed = consult("protocols", "validate", str(good), str(bad), cwd=tmp_path)
    assert failed.returncode == 1
    assert str(bad) in failed.stderr
    assert ".duration:" in failed.stderr


def test_several_workers_are_refused_on_sqlite_or_the_memory_backplane(tmp_path: Path) -> None:
    for options in (
        ("--db", f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", "--backplane", "redis://127.0.0.1"),
        ("--db", "postgresql+asyncpg://127.0.0.1/x", "--backplane", "memory://"),
    ):
        result = consult("serve", "--workers", "2", *options, cwd=tmp_path)
        assert result.returncode == 1
        assert "--workers 2 refused" in result.stderr
        assert "PostgreSQL" in result.stderr
        assert "Redis" in result.stderr
    assert not (tmp_path / "a.db").exists()  # refused before anything was opened


def test_serve_refuses_an_unknown_log_format_naming_the_choices(tmp_path: Path) -> None:
    result = consult("serve", "--log-format", "xml", cwd=tmp_path)
    assert result.returncode == 1
    assert "log_format" in result.stderr
    assert "'console' or 'json'" in result.stderr


def test_json_logs_are_one_object_per_line_and_a_failed_start_says_why(tmp_path: Path) -> None:
    """A start that cannot reach its backplane stops cleanly (what was opened is closed,
    in reverse order) and says why, in the log format asked for."""
    result = subprocess.run(
        [
            CONSULT,
            "serve",
            "--log-format",
            "json",
            "--port",
            "0",
            "--db",
            f"sqlite+aiosqlite:///{tmp_path / 'j.db'}",
            "--backplane",
            "redis://127.0.0.1:1/0",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert lines, result.stderr
    assert all({"event", "level", "timestamp"} <= line.keys() for line in lines)
    said = " ".join(json.dumps(line) for line in lines)
    assert "cannot reach Redis at redis://127.0.0.1:1/0" in said
