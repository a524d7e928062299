"""Row ids: UUIDv7, made on the device, time-ordered so that they index well."""

from __future__ import annotations

import re

import uuid_utils

# What lists show of an id: its last 8 hex digits, which are random (the first ones are a timestamp).
SHORT_ID = re.compile(r"[0-9a-fA-F]{6,12}")


def new_id() -> str:
    return str(uuid_utils.uuid7())


def short_id(row_id: str) -> str:
    return row_id[-8:]
