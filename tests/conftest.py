"""Fixtures shared across the suite: the real PostgreSQL and Redis (``tests.services``)."""

pytest_plugins = ["tests.services"]
