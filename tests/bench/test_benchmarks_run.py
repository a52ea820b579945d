"""Every benchmark still runs: a tiny version of each (a few clients), results not stored.

These check that the benchmarks work, not how fast anything is: speed is
measured by ``make bench``, never by a test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "b1_fanout": "B1 12 clients: recall ours",
    "b2_connect": "B2 10 clients: ours",
    "b3_countdown": "B3 5 clients: error p50",
    "b4_timers": "early 0,",
    "b5_memory": "B5 10 idle connections",
    "b6_restart": "drift 0.0 ms",
    "b7_start_all": "B7 12 clients in",
    "b8_scale_out": "B8 12 clients on 2 processes: recall",
    "grouping": "G1 12 teams into pairs",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_benchmark_runs_in_tiny_mode(name: str) -> None:
    results = ROOT / "bench" / "results" / "latest.json"
    before = results.read_bytes() if results.exists() else None
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--tiny"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert EXPECTED[name] in result.stdout, result.stdout
    assert "nan" not in result.stdout.split(EXPECTED[name])[1].splitlines()[0]
    after = results.read_bytes() if results.exists() else None
    assert after == before, "a tiny run must not overwrite the recorded results"
