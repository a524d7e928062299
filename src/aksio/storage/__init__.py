"""SQLite storage: the only package that writes SQL."""
