"""``python -m server`` is the ``consult`` command."""

from server.cli import main

main()
