"""``aksio-server``: run the sync server and administer its accounts.

    aksio-server serve [--host 127.0.0.1] [--port 8765] [--no-migrate]
    aksio-server migrate
    aksio-server user create EMAIL [--name NAME] [--password-stdin]
    aksio-server user list [--json]
    aksio-server user disable|enable EMAIL
    aksio-server user reset-password EMAIL [--password-stdin]

Settings come from the environment (``aksio_server.settings``). A bad argument, a missing setting or an unreachable
database is one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from aksio.errors import AksioError, InvalidInput

DEFAULT_PORT = 8765


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="aksio-server", description="The Aksio sync server.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = commands.add_parser("serve", help="run the server (migrates the database first)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help=f"port (default $PORT, else {DEFAULT_PORT})")
    serve.add_argument(
        "--no-migrate", action="store_true", help="refuse to start on a database that is behind, instead of migrating"
    )
    commands.add_parser("migrate", help="bring the database's schema up to this version")
    user = commands.add_parser("user", help="administer accounts")
    actions = user.add_subparsers(dest="action", required=True, parser_class=_Parser)
    create = actions.add_parser("create", help="create an account (also when registration is closed)")
    create.add_argument("email")
    create.add_argument("--name", default="", help="display name")
    create.add_argument("--password-stdin", action="store_true", help="read the password from stdin's first line")
    listing = actions.add_parser("list", help="list the accounts")
    listing.add_argument("--json", action="store_true")
    for name, what in (("disable", "refuse its logins and tokens until enabled"), ("enable", "allow it again")):
        actions.add_parser(name, help=what).add_argument("email")
    reset = actions.add_parser("reset-password", help="set a new password and sign every device out")
    reset.add_argument("email")
    reset.add_argument("--password-stdin", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    from sqlalchemy.exc import OperationalError

    try:
        if args.command == "serve":
            _serve(args.host, args.port, migrate=not args.no_migrate)
        elif args.command == "migrate":
            _migrate()
        else:
            from aksio_server import admin

            admin.run(args, _password)
    except AksioError as exc:
        sys.stderr.write(f"aksio-server: error: {exc}\n")
        raise SystemExit(exc.exit_code) from None
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0] if str(exc.orig or exc).strip() else "no answer"
        sys.stderr.write(f"aksio-server: error: cannot use the database: {reason}\n")
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None


def _port(given: int | None) -> int:
    if given is not None:
        if not 0 < given < 65536:
            raise InvalidInput(f"--port must be between 1 and 65535, not {given}")
        return given
    text = os.environ.get("PORT", "").strip()
    if not text:
        return DEFAULT_PORT
    if not text.isdigit() or not 0 < int(text) < 65536:
        from aksio_server.settings import ServerConfigError

        raise ServerConfigError(f"PORT: must be a port number (1-65535), not {text!r}")
    return int(text)


def _migrate() -> None:
    from aksio_server.db import make_engine
    from aksio_server.migrate import upgrade
    from aksio_server.settings import load_settings

    engine = make_engine(load_settings().url())
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    if before == after:
        print(f"the database is up to date (revision {after})")
    else:
        print(f"the database is migrated from revision {before or 'none (empty)'} to {after}")


def _serve(host: str, port: int | None, *, migrate: bool) -> None:
    port = _port(port)
    from aksio_server.settings import load_settings

    settings = load_settings()
    import uvicorn

    from aksio_server.app import create_app
    from aksio_server.migrate import require_current, upgrade
    from aksio_server.runtime import Runtime

    rt = Runtime.start(settings)
    rt.blobs  # noqa: B018 - a bucket without credentials is refused now, in one line, not at the first upload
    if migrate:
        before, after = upgrade(rt.engine)
        if before != after:
            sys.stderr.write(f"aksio-server: the database is migrated from {before or 'none (empty)'} to {after}\n")
    else:
        require_current(rt.engine)
    try:
        uvicorn.run(
            create_app(rt),
            host=host,
            port=port,
            proxy_headers=True,
            forwarded_allow_ips=settings.trusted_proxies,
            server_header=False,
            log_level="info",
        )
    finally:
        rt.close()


def _password(from_stdin: bool) -> str:
    """The new password: stdin's first line with ``--password-stdin``, else asked twice at the terminal."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    if not sys.stdin.isatty():
        raise InvalidInput("no terminal to ask the password on: pass it on stdin with --password-stdin")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise InvalidInput("the two passwords differ: nothing changed")
    return first


if __name__ == "__main__":
    main()
