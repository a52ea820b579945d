"""``make bench``: every benchmark at full size, one after another."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.common import ROOT, TABLE

BENCHMARKS = [
    "b1_fanout",
    "b2_connect",
    "b3_countdown",
    "b4_timers",
    "b5_memory",
    "b6_restart",
    "b7_start_all",
    "b8_scale_out",
    "grouping",
]


def main() -> None:
    start = time.monotonic()
    failed = []
    for name in sys.argv[1:] or BENCHMARKS:
        began = time.monotonic()
        print(f"== {name}", flush=True)
        result = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=ROOT, check=False)
        print(
            f"== {name}: {'ok' if result.returncode == 0 else 'FAILED'} in {time.monotonic() - began:.0f} s",
            flush=True,
        )
        if result.returncode:
            failed.append(name)
    print(f"all benchmarks in {time.monotonic() - start:.0f} s; table: {TABLE.relative_to(ROOT)}")
    if failed:
        print("failed: " + ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
