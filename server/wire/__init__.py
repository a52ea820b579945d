"""What clients see: the websocket message unions, the views of rooms, events and help
requests, and protocol timelines.

Rules: everything here is built from domain state and plain values, never from
table rows (an import-linter contract keeps ``server.store`` out).
"""
