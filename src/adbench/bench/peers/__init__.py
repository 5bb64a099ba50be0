"""Peer libraries run on the same data as adbench, each in its own virtualenv and process."""
