"""The Textual app (later issues)."""
