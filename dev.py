#!/usr/bin/env python3
"""Set-up and checks for a fresh clone, needing nothing but Python 3.11+.

    python3 dev.py demo     create .venv if needed, then start Aksio on the demo course
    python3 dev.py test     create .venv if needed, then run the whole test suite
    python3 dev.py check    ruff, mypy and the import contracts (what CI runs besides the tests)

The virtual environment is (re)installed whenever pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("AKSIO_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".aksio-installed"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by an older python3
        sys.exit(f"error: Aksio needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == want:
        return
    if not (BIN / "python").exists():
        print(f"creating {VENV} ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing Aksio and its dependencies ...", file=sys.stderr)
    run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[dev]"])
    STAMP.write_text(want)


def run(cmd: list[str], ok: tuple[int, ...] = (0,)) -> int:
    code = subprocess.call(cmd, cwd=ROOT)
    if code not in ok:
        sys.exit(code)
    return code


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "help"
    rest = argv[1:]
    if what not in ("demo", "test", "check"):
        print(__doc__)
        return 0 if what in ("help", "-h", "--help") else 2
    ensure_venv()
    if what == "demo":
        code = run([str(BIN / "aksio"), "demo", *rest])
        if str(BIN) not in os.environ.get("PATH", "").split(os.pathsep):
            print(f"(the aksio command is in {BIN}: activate it first with `. {VENV.name}/bin/activate`)")
        return code
    if what == "check":
        paths = [p for p in ("src", "tests", "bench", "dev.py") if (ROOT / p).exists()]
        run([str(BIN / "ruff"), "check", *paths])
        run([str(BIN / "ruff"), "format", "--check", *paths])
        run([str(BIN / "mypy")])
        run([str(BIN / "lint-imports")])
        return 0
    # pytest exits 5 when it collects no test: that is a failure here, never a pass
    return run([str(BIN / "python"), "-m", "pytest", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
