"""Devices converge through two server processes on one database (SQLite, and the real PostgreSQL): three homes
edit, answer, undo, delete and import apart, sync through either process in any order, while a server process is
killed mid-push and started again and a client is killed mid-sync. At the end every home holds the same rows,
tags, states and history, no review lost or doubled."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import msgspec
import pytest

from aksio.service import Aksio
from aksio_sync.client import Server, SyncError, load_account, save_account, sync_now
from tests.core.test_merge import OPS, Fleet, dump
from tests.server.conftest import PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    """``aksio-server serve`` in a process of its own, on a loopback port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.child: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        command = [sys.executable, "-m", "aksio_server", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.child = subprocess.Popen(command, env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.child.poll() is None, self.log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.child is not None
        self.child.send_signal(signal.SIGKILL)
        self.child.wait(timeout=30)

    def stop(self) -> None:
        if self.child is not None and self.child.poll() is None:
            self.child.terminate()
            self.child.wait(timeout=30)


@pytest.fixture
def processes(server_env: dict[str, str], tmp_path: Path) -> Iterator[list[Process]]:
    env = {**os.environ, **server_env}
    # ``serve`` migrates on start: the first process migrates, the second finds the schema current
    started = [Process(env, tmp_path / "server-1.log")]
    started.append(Process(env, tmp_path / "server-2.log"))
    yield started
    for each in started:
        each.stop()


def _sign_in(homes: list[Aksio], url: str) -> None:
    with Server(url) as server:
        for i, home in enumerate(homes):
            account = server.sign_in("fleet@example.org", PASSWORD, f"device {i}", register=i == 0)
            save_account(home.paths.home, account)


def _through(home: Aksio, process: Process) -> None:
    """Point the home's account at ``process`` (as a load balancer would pick one)."""
    account = load_account(home.paths.home)
    assert account is not None
    save_account(home.paths.home, msgspec.structs.replace(account, url=process.url))


def _sync(home: Aksio, process: Process) -> None:
    _through(home, process)
    with suppress(SyncError):  # the process was down: offline is normal, nothing lost
        sync_now(home)


def _killed_mid_push(home: Aksio, process: Process, rng: random.Random) -> None:
    """A sync through ``process`` while the process is killed a few milliseconds in; then it starts again."""
    _through(home, process)
    failed: list[BaseException] = []

    def run() -> None:
        try:
            sync_now(home)
        except SyncError:
            pass
        except BaseException as exc:  # handed to the test's thread
            failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(rng.choice([0.0, 0.005, 0.02, 0.05]))
    process.kill()
    thread.join(timeout=60)
    assert not failed, failed
    process.start()


def _client_killed(home: Aksio, process: Process, rng: random.Random) -> None:
    """``aksio sync now`` in a child process killed a few milliseconds in."""
    _through(home, process)
    env = {**os.environ, "AKSIO_HOME": str(home.paths.home)}
    child = subprocess.Popen(
        [sys.executable, "-m", "aksio.cli", "sync", "now"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(rng.choice([0.2, 0.3, 0.4, 0.6]))  # a start takes ~0.2 s: killed before, during or after its sync
    child.kill()
    child.wait(timeout=30)


@pytest.mark.parametrize("seed", [7, 8])
def test_three_devices_and_two_server_processes_converge(processes: list[Process], tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    fleet = Fleet(tmp_path / "homes")
    try:
        homes = fleet.homes
        _sign_in(homes, processes[0].url)
        ops = {op: weight for op, weight in OPS.items() if op not in ("put_out", "deliver", "deliver_killed")}
        syncs = 0
        for _ in range(160):
            op = rng.choices([*ops, "sync"], weights=[*ops.values(), 10])[0]
            if op != "sync":
                fleet.act(op, rng.choice)
                continue
            syncs += 1
            home, process = rng.choice(homes), rng.choice(processes)
            if syncs % 7 == 3:
                _killed_mid_push(home, process, rng)
            elif syncs % 7 == 5:
                _client_killed(home, process, rng)
            else:
                _sync(home, process)
        assert syncs >= 10
        for _ in range(2):  # everyone syncs, through either process, until all have all
            for home in homes:
                _sync(home, rng.choice(processes))
        first = dump(homes[0])
        for home in homes:
            assert home.held_changes() == []
            assert dump(home) == first
            reviews = home.db.query_one(
                "SELECT count(*), count(DISTINCT id), count(*) - (SELECT count(DISTINCT review_id) FROM review_void) "
                "FROM review"
            )
            assert tuple(reviews) == (fleet.reviews, fleet.reviews, fleet.answers)
            assert home.doctor(rebuild=True)["identical"]
    finally:
        fleet.close()
