"""HTTP and websocket routes: thin adapters from the wire to the services."""
