"""Sync protocol and client (later issues). Imports only the core."""
