"""Aksio's terminal app (Textual). It receives the core facade and never runs SQL itself; see ``app.py``."""
