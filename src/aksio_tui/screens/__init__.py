"""Screens: each renders and dispatches; its I/O runs in workers through the app's ``call_core``."""
