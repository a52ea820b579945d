"""Finding the worker processes of ``consult serve --workers N``, and which one holds a socket.

Linux only (``/proc``), as the test machines are: a worker's sockets are its
file descriptors, and ``/proc/net/tcp`` says which socket inode is which
connection, so a test can tell through which worker each of its clients is
connected without the product saying so.
"""

from __future__ import annotations

import os
from pathlib import Path


def worker_pids(supervisor: int) -> list[int]:
    """The live worker processes under a ``--workers`` supervisor."""
    pids = []
    for task in Path(f"/proc/{supervisor}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in children:
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"spawn_main" in command:
                pids.append(int(child))
    return sorted(pids)


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _hex_port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def worker_of(client_port: int, server_port: int, workers: list[int]) -> int | None:
    """The worker holding the server side of the connection from ``client_port``."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if _hex_port(local) == server_port and _hex_port(remote) == client_port:
            inode = int(fields[9])
            break
    if inode is None:
        return None
    for pid in workers:
        if inode in _socket_inodes(pid):
            return pid
    return None
