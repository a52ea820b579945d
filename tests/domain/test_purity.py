"""The protocol core is pure: no I/O frameworks, no clock reads."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import server.domain

DOMAIN_DIR = Path(server.domain.__file__).parent
FORBIDDEN_MODULES = {
    "asyncio",
    "fastapi",
    "starlette",
    "sqlmodel",
    "sqlalchemy",
    "redis",
    "uvicorn",
    "time",
    "datetime",
    "socket",
    "threading",
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def test_no_domain_module_imports_io_or_clock_modules() -> None:
    offenders = {
        path.name: sorted(imported_modules(path) & FORBIDDEN_MODULES)
        for path in DOMAIN_DIR.glob("*.py")
        if imported_modules(path) & FORBIDDEN_MODULES
    }
    assert offenders == {}


def test_importing_the_domain_loads_no_io_framework() -> None:
    code = (
        "import sys, server.domain; "
        "print(','.join(sorted(m for m in ('asyncio', 'fastapi', 'sqlmodel', 'redis', "
        "'starlette', 'sqlalchemy', 'uvicorn') if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
