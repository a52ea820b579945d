"""The idle reference for timer punctuality: an asyncio loop (uvloop) doing
nothing but ``call_at`` timers, reporting how late each one ran (JSON)."""

from __future__ import annotations

import argparse
import asyncio
import json


async def measure(count: int, interval: float) -> list[float]:
    loop = asyncio.get_running_loop()
    late: list[float] = []
    done = loop.create_future()
    start = loop.time() + 0.05

    def fire(index: int, due: float) -> None:
        late.append(loop.time() - due)
        if index + 1 == count:
            done.set_result(None)

    for index in range(count):
        due = start + index * interval
        loop.call_at(due, fire, index, due)
    await done
    return late


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=0.005)
    arguments = parser.parse_args()
    from bench.common import install_uvloop

    install_uvloop()
    print(json.dumps(asyncio.run(measure(arguments.count, arguments.interval))))


if __name__ == "__main__":
    main()
