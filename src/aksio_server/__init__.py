"""The self-hostable sync server (later issues)."""
