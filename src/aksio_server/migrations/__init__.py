"""Alembic migrations of the server's database, shipped inside the package (run by ``aksio-server migrate``)."""
