"""Aksio: a terminal-first, local-first study app.

The core package. It never imports Textual, FastAPI or the other front ends, and it keeps
heavy imports (pymupdf, fsrs, LLM clients) inside the functions that need them, so that
``aksio --help`` starts fast.
"""

__version__ = "0.1.0"
