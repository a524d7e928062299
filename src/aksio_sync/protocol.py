"""The sync protocol's version, which a client sends with every request to the server (``Aksio-Protocol: 1``)."""

from __future__ import annotations

HEADER = "Aksio-Protocol"
VERSION = 1
"""What this Aksio speaks. Raised when a request or response changes in a way an older peer would misread."""
