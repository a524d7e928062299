"""``python -m aksio.cli``: what ``aksio`` does (textual-serve starts the app this way)."""

from aksio.cli import main

main()
