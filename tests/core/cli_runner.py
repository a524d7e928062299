"""Run the ``aksio`` command in-process, as a user would type it, capturing exit code, stdout and stderr."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from aksio.cli import main, output

Run = Callable[..., tuple[int, str, str]]


def make_runner(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.setenv("AKSIO_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "120")

    def invoke(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        output._console = output._err = None  # consoles bind to the streams capsys swaps in
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        else:
            code = 0
        out, err = capsys.readouterr()
        return code, out, err

    return invoke
