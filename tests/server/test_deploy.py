"""The deploy files, checked as far as a machine without a container engine can: compose.yaml and the Dockerfile
agree with each other and with the server's settings, the image runs as a user without privileges on ``$PORT``, and
nothing secret is sent to a build."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        word, _, rest = (pending + line).strip().partition(" ")
        instructions.append((word.upper(), rest.strip()))
        pending = ""
    return instructions


def instruction(name: str) -> list[str]:
    return [rest for word, rest in dockerfile() if word == name]


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_the_image_is_python_3_11_slim_and_runs_as_a_user_without_privileges() -> None:
    assert instruction("FROM") == ["python:3.11-slim"]
    users = instruction("USER")
    assert users, "the image must not run as root"
    assert users[-1] not in ("root", "0")
    # USER comes after every RUN: nothing runs as root once the user is set, and the server never does
    words = [word for word, _ in dockerfile()]
    assert max(i for i, w in enumerate(words) if w == "RUN") < words.index("USER")


def test_the_image_serves_on_every_interface_and_leaves_the_port_to_port() -> None:
    command = json.loads(instruction("CMD")[-1])
    assert command[:2] == ["aksio-server", "serve"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert "--port" not in command  # $PORT decides (Cloud Run sets it)


def test_the_image_installs_the_project_with_the_server_extra(tmp_path: Path) -> None:
    runs = instruction("RUN")
    assert any('".[server]"' in run for run in runs)
    # the dependency layer's list is what pyproject.toml says the core and the server need
    extract = next(run for run in runs if "tomllib" in run).split(" > ")[0]
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    argv = shlex.split(extract)
    assert argv[0] == "python"
    listed = subprocess.run(
        [sys.executable, *argv[1:]], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert listed == project["dependencies"] + project["optional-dependencies"]["server"]
    assert any(line.startswith("google-cloud-storage") for line in listed)


def test_compose_runs_the_images_command_against_its_postgres() -> None:
    services = compose()["services"]
    server, db = services["server"], services["db"]
    assert server["build"] == "."
    assert server["command"] == json.loads(instruction("CMD")[-1])
    assert db["image"] == "postgres:16"
    url = server["environment"]["DATABASE_URL"]
    env = db["environment"]
    assert url == f"postgresql://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@db:5432/{env['POSTGRES_DB']}"
    assert server["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_keeps_the_database_and_the_blobs_in_volumes() -> None:
    loaded = compose()
    services = loaded["services"]
    home = next(arg.split("=", 1)[1] for arg in instruction("ENV") if arg.startswith("AKSIO_SERVER_HOME="))
    assert f"blobs:{home}" in services["server"]["volumes"]
    assert "db-data:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert set(loaded["volumes"]) == {"blobs", "db-data"}


def test_compose_takes_the_secret_key_from_the_environment_and_refuses_to_start_without_it() -> None:
    secret = compose()["services"]["server"]["environment"]["SECRET_KEY"]
    assert secret.startswith("${SECRET_KEY:?")


def test_compose_publishes_the_port_the_server_listens_on() -> None:
    server = compose()["services"]["server"]
    port = server["environment"]["PORT"]
    assert server["ports"] == [f"{port}:{port}"]
    assert f"127.0.0.1:{port}/health" in " ".join(server["healthcheck"]["test"])
    assert "ports" not in compose()["services"]["db"]  # the database is reached by the server only


@pytest.mark.parametrize("path", [".env", ".git", ".venv", "tests", "bench"])
def test_no_secret_or_environment_is_sent_to_a_build(path: str) -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert path in ignored


def test_the_env_file_compose_reads_is_never_committed() -> None:
    # `gcloud builds submit` also leaves out what .gitignore names when there is no .gcloudignore
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


def test_the_command_the_image_and_compose_run_is_one_the_server_takes() -> None:
    from aksio_server.__main__ import _parser

    for command in (json.loads(instruction("CMD")[-1]), compose()["services"]["server"]["command"]):
        assert command[0] == "aksio-server"
        args = _parser().parse_args(command[1:])
        assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", None)


def test_the_database_url_compose_gives_is_one_the_server_takes() -> None:
    from aksio_server.settings import database_url

    url = database_url(compose()["services"]["server"]["environment"]["DATABASE_URL"])
    assert (url.drivername, url.host, url.port, url.database) == ("postgresql+psycopg", "db", 5432, "aksio")


def test_a_database_url_through_a_socket_directory_reaches_postgresql() -> None:
    """The README's Cloud SQL DATABASE_URL names no host but a socket directory (``?host=/cloudsql/...``, which
    Cloud Run mounts); the same form reaches this machine's PostgreSQL through its own socket directory."""
    from sqlalchemy import create_engine, text

    from aksio_server.settings import database_url

    cloud_sql = "postgresql://aksio:$DB_PASSWORD@/aksio?host=/cloudsql/$PROJECT:$REGION:$INSTANCE"
    assert cloud_sql in (ROOT / "README.md").read_text(), "the README's Cloud SQL DATABASE_URL is not this one"
    socket_dir = Path("/var/run/postgresql")
    if not (socket_dir / ".s.PGSQL.5432").exists():
        pytest.skip(f"no PostgreSQL socket in {socket_dir}")
    engine = create_engine(database_url(f"postgresql://postgres:unused@/test?host={socket_dir}"))
    try:
        with engine.connect() as connection:
            # no server address: the connection is the unix socket's, not TCP's
            assert connection.execute(text("SELECT inet_server_addr()")).scalar() is None
    finally:
        engine.dispose()


def test_every_variable_compose_and_the_cloud_run_deploy_set_is_a_setting_of_the_server() -> None:
    from aksio_server.settings import ServerSettings

    known = {str(field.alias) for field in ServerSettings.model_fields.values()} | {"PORT"}
    readme = (ROOT / "README.md").read_text()
    deploy = readme[readme.index("gcloud run deploy") :].split("```")[0].replace("\\\n", "")
    pairs = re.findall(r'--(?:set|update)-(?:env-vars|secrets)="?([^\s"\\]+)', deploy)
    in_deploy = {pair.split("=")[0] for listing in pairs for pair in listing.split(",")}
    assert {"SECRET_KEY", "DATABASE_URL", "GCS_BUCKET_NAME", "GOOGLE_CLOUD_PROJECT"} <= in_deploy
    assert in_deploy <= known
    assert set(compose()["services"]["server"]["environment"]) <= known
