"""Shared fixtures: a data dir, an open facade at a fixed instant, the CLI run in-process, and test documents."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aksio.clock import FixedClock
from aksio.service import Aksio
from tests.docmaker import Docs

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)

Cli = Callable[..., tuple[int, str, str]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cache_damaged: the test leaves a home whose scheduling cache is wrong on purpose"
    )


@pytest.fixture(autouse=True)
def cache_is_what_the_log_gives(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
    """After every test, each home it left is checked as ``aksio doctor`` checks it: every live card's cached
    state is what its card row, note, counting reviews and course settings give (buried and new order
    included), and no state is missing or left over. A home that does not open (made corrupt, read-only or
    newer on purpose) is not checked."""
    yield
    if request.node.get_closest_marker("cache_damaged"):
        return
    from aksio.errors import AksioError

    for database in sorted(tmp_path.glob("**/aksio.db")):
        try:
            opened = Aksio.open(database.parent, FixedClock(NOW), tz=UTC)
        except AksioError:
            continue
        try:
            report = opened.doctor()
        except (AksioError, sqlite3.DatabaseError):  # damaged inside (a test of what the user then sees)
            continue
        finally:
            opened.close()
        wrong = {k: report[k] for k in ("missing_states", "orphan_states", "stale_states") if report[k]}
        assert not wrong, f"{database}: the scheduling cache is not what the log gives: {wrong}"


@pytest.fixture(autouse=True)
def write_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every home a test opens refuses a write to a synced table outside the writer's stamping paths
    (storage/write_guard.py): the suite is the proof that no path of the core writes one any other way. Not in
    the TUI's tests, whose pilots read the facade from the test's thread while the app's own thread uses it: a
    Python authorizer deadlocks a connection two threads share."""
    from aksio.storage.write_guard import ENV

    if "tui" not in request.node.path.parts:
        monkeypatch.setenv(ENV, "1")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The data dir (AKSIO_HOME) of one test; created by the first ``Aksio.open``."""
    return tmp_path / "home"


@pytest.fixture
def aksio(home: Path) -> Iterator[Aksio]:
    """The facade, opened on ``home`` with a clock fixed at ``NOW``."""
    opened = Aksio.open(home, FixedClock(NOW), tz=UTC)
    yield opened
    opened.close()


@pytest.fixture
def cli(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """``cli("course", "add", "OS")`` runs ``aksio course add OS`` in-process: returns (exit code, stdout, stderr).

    AKSIO_HOME is ``home``, stdin is not a terminal (``stdin=`` gives its text), and the clock is fixed at ``NOW``.
    Any exception other than ``SystemExit`` escapes, as it would reach the user as a traceback.
    """
    from aksio.cli import main, output

    monkeypatch.setenv("AKSIO_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "120")
    for name in ("AKSIO_CONFIG", "AKSIO_SEARCH__LIMIT", "AKSIO_INGEST__CHUNK_CHARS", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("aksio.service.SystemClock", lambda: FixedClock(NOW))

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        output._console = output._err = None  # the consoles bind to the streams capsys swaps in
        capsys.readouterr()
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        else:
            code = 0
        out, err = capsys.readouterr()
        return code, out, err

    return run


def open_home(path: Path, skew: timedelta = timedelta(0)) -> Aksio:
    """A home used as a device: its own database and device id, its clock fixed at ``NOW`` + ``skew``."""
    return Aksio.open(path, FixedClock(NOW + skew), tz=UTC)


@pytest.fixture
def homes(tmp_path: Path) -> Iterator[tuple[Aksio, Aksio]]:
    """Two devices: A, and B whose clock is a few seconds ahead."""
    a, b = open_home(tmp_path / "a"), open_home(tmp_path / "b", timedelta(seconds=5))
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def docs(tmp_path: Path) -> Docs:
    """Makes test documents in ``tmp_path/in``: ``docs("l.pdf", docmaker.outline_pdf)``."""
    return Docs(tmp_path / "in")
