"""Alembic's entry: migrations run on the connection ``aksio_server.migrate`` hands over, inside its transaction."""

from __future__ import annotations

from alembic import context

from aksio_server.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("the server's migrations run through `aksio-server migrate`, on a live connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite alters a table by copying it: batch mode writes that for both databases from one migration
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
