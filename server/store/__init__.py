"""Persistence: SQLModel tables and keyword-only functions that read and write them.

Rules: a room's run state is stored with its version and its next deadline;
it is only ever written with a compare-and-set on the version, so two writers
can never both apply a transition. Every command and timer transition is
appended to the command log in the same transaction as the state it made.
"""
