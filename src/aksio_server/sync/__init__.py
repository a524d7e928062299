"""Sync over HTTP: the server side of ``aksio_sync.protocol``."""
