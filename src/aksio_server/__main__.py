"""``aksio-server``: the sync server. Not built yet; the command says so instead of failing obscurely."""

from __future__ import annotations

import sys


def main() -> None:
    sys.stderr.write("error: the Aksio sync server is not available in this version yet\n")
    raise SystemExit(2)


if __name__ == "__main__":
    main()
