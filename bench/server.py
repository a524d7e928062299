"""Sync through real server processes (issue 14's figures), on loopback, with Anki's own sync server as the anchor.

    .venv/bin/python bench/server.py [--quick] [--parts incremental,first,concurrent] [--dbs sqlite,postgresql]

Every server is ``aksio-server serve`` started as a child process: on SQLite (the embedded default, a file under a
temporary ``AKSIO_SERVER_HOME``) and on the PostgreSQL at 127.0.0.1:5432 (a database of the run's own, made from
``test`` and dropped at the end; ``--postgres URL`` to point elsewhere). Three parts:

- incremental: a home A of ``--cards`` cards (basic notes, two courses, as ``bench/sync.py`` builds it, no
  history) and a home B that pulled it; then ``--rounds`` times A makes 100 mixed changes (``sync.py``'s mix: 40
  answers, 15 note edits, tags, suspends, flags, buries, 10 new cards, 5 deletes) and ``aksio_sync.client.sync_now``
  is timed on A (its push) and then on B (its pull and merge). Anchor, round by round in the same run: Anki's sync
  server (``python -m anki.syncserver``) with two collections of as many cards, one making the same mix of 100
  changes (answers, note edits, tags, suspends, flags, buries, new notes, deleted notes), then
  ``sync_collection`` on each.
- first: a home of ``--first-cards`` cards and ``--per-card`` reviews each (``sync.py``'s builder) pushes
  everything, then a new home signs in and ``sync_now`` pulls it all: timed, with where the time goes (reading
  the outgoing rows, the wire format, the requests with the server's work in them, the client's merge).
- concurrent: two server processes on one PostgreSQL and ``--clients`` homes, each with an account of its own
  and ``--pushes`` batches of ``--changes`` real changes made and read beforehand; then every client pushes its
  batches through ``aksio_sync.client.Server.push`` from a thread of its own, alternating between the two
  processes: pushes/s, rows/s, latency p50/p99, failures, and each account's sequence checked afterwards.

Prints one JSON document (progress on stderr). Needs the ``anki`` package for the anchor (the bench extra).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import httpx

from aksio.clock import FixedClock
from aksio.service import Aksio
from aksio_sync import client, wire
from aksio_sync.client import Server, save_account, sync_now
from machine import machine
from sync import COURSES, NOW, build, mixed_changes

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = "correct horse battery"
SECRET = "b" * 40


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Child:
    """A server in a process of its own on a loopback port, answering ``health`` once it is up."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path, health: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [part.replace("{port}", str(self.port)) for part in command]
        env = {k: v.replace("{port}", str(self.port)) for k, v in env.items()}
        with log_path.open("ab") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=out, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.url}{health}", timeout=1)
                return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"{command[2]} did not start: {log_path.read_text()[-1000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def aksio_server(env: dict[str, str], log_path: Path) -> Child:
    command = [sys.executable, "-m", "aksio_server", "serve", "--host", "127.0.0.1", "--port", "{port}"]
    return Child(command, {**os.environ, **env}, log_path, "/health")


@contextmanager
def databases(dbs: list[str], postgres: str, tmp: Path) -> Iterator[Callable[[str, str], dict[str, str]]]:
    """A server environment per (database kind, name): SQLite under a home of its own, or a schema of its own in
    a PostgreSQL database made for the run and dropped at its end."""
    made: list[str] = []
    base = None
    if "postgresql" in dbs:
        import psycopg
        from sqlalchemy.engine import make_url

        base = make_url(postgres)
        name = f"aksio_bench_{secrets.token_hex(4)}"
        with psycopg.connect(base.render_as_string(False), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"'.encode())
        made.append(name)

    def env(kind: str, label: str) -> dict[str, str]:
        out = {"AKSIO_SERVER_HOME": str(tmp / f"server-{label}")}
        if kind == "postgresql":
            assert base is not None
            url = base.set(database=made[0]).update_query_dict({"options": f"-csearch_path={label}"})
            with psycopg.connect(base.set(database=made[0]).render_as_string(False), autocommit=True) as c:
                c.execute(f'CREATE SCHEMA "{label}"'.encode())
            out |= {"DATABASE_URL": url.render_as_string(hide_password=False), "SECRET_KEY": SECRET}
        return out

    try:
        yield env
    finally:
        if made and base is not None:
            with psycopg.connect(base.render_as_string(False), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{made[0]}" WITH (FORCE)'.encode())


def sign_in(home: Aksio, url: str, email: str, device: str, *, register: bool) -> None:
    with Server(url) as server:
        save_account(home.paths.home, server.sign_in(email, PASSWORD, device, register=register))


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(len(ordered) * 0.95))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def fingerprint(app: Aksio) -> tuple[Any, ...]:
    found = app.db.query_one(
        "SELECT (SELECT count(*) FROM card WHERE deleted = 0), (SELECT count(*) FROM review), "
        "(SELECT total(flag) FROM card WHERE deleted = 0), (SELECT total(suspended) FROM card WHERE deleted = 0)"
    )
    assert found is not None
    return tuple(found)


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


# -- part 1: 100 changes, pushed by one device and pulled by another ---------------------------------------------


class AksioPair:
    """Home A, which makes the changes, and home B, which pulls them, signed in to one account on ``url``."""

    def __init__(self, template: Path, where: Path, url: str, label: str) -> None:
        shutil.copytree(template, where / "a")
        self.a = Aksio.open(where / "a" / "home", FixedClock(NOW), tz=UTC)
        self.b = Aksio.open(where / "b" / "home", FixedClock(NOW + timedelta(seconds=1)), tz=UTC)
        sign_in(self.a, url, f"{label}@example.org", "a", register=True)
        sign_in(self.b, url, f"{label}@example.org", "b", register=False)
        t = time.perf_counter()
        sync_now(self.a)
        sync_now(self.b)
        log(f"{label}: A pushed and B pulled {fingerprint(self.b)} in {time.perf_counter() - t:.1f} s")
        self.push: list[float] = []
        self.pull: list[float] = []
        self.rows: list[int] = []

    def round(self, rng: random.Random) -> None:
        for home in (self.a, self.b):
            home.clock.advance(timedelta(minutes=30))  # type: ignore[attr-defined]
        mixed_changes(self.a, rng, 100)
        t = time.perf_counter()
        report = sync_now(self.a)
        self.push.append(time.perf_counter() - t)
        t = time.perf_counter()
        sync_now(self.b)
        self.pull.append(time.perf_counter() - t)
        self.rows.append(report.pushed_rows)

    def result(self) -> dict[str, Any]:
        same = fingerprint(self.a) == fingerprint(self.b)
        self.a.close()
        self.b.close()
        return {
            "rows_per_sync": round(statistics.mean(self.rows), 1),
            "push": stats(self.push),
            "pull": stats(self.pull),
            "homes_agree": same,
        }


class AnkiPair:
    """Two Anki collections syncing through Anki's own sync server: A makes the changes, B pulls them."""

    def __init__(self, where: Path, cards: int) -> None:
        from anki.collection import AddNoteRequest, Collection

        env = {
            **os.environ,
            "SYNC_USER1": "user:pass",
            "SYNC_HOST": "127.0.0.1",
            "SYNC_PORT": "{port}",
            "SYNC_BASE": str(where / "anki-server"),
            "RUST_LOG": "anki=warn",
        }
        self.server = Child([sys.executable, "-m", "anki.syncserver"], env, where / "anki-server.log", "/health")
        self.a, self.b = Collection(str(where / "a.anki2")), Collection(str(where / "b.anki2"))
        model = self.a.models.by_name("Basic")
        assert model is not None
        requests = []
        for course in COURSES:
            deck = self.a.decks.id(course)
            assert deck is not None
            for i in range(cards // 2):
                note = self.a.new_note(model)
                note["Front"], note["Back"] = f"{course} question {i}", f"answer {i}"
                requests.append(AddNoteRequest(note=note, deck_id=deck))
        self.a.add_notes(requests)
        self.deck = self.a.decks.id(COURSES[0])
        self.auth = {}
        for name, col, upload in (("a", self.a, True), ("b", self.b, False)):
            auth = col.sync_login("user", "pass", self.server.url + "/")
            self.auth[name] = auth
            out = col.sync_collection(auth, False)
            if out.required in (out.FULL_SYNC, out.FULL_UPLOAD, out.FULL_DOWNLOAD):
                col.close_for_full_sync()
                col.full_upload_or_download(auth=auth, server_usn=out.server_media_usn, upload=upload)
                col.reopen(after_full_sync=True)
        assert self.b.card_count() == self.a.card_count() == cards
        self.push: list[float] = []
        self.pull: list[float] = []

    def changes(self, rng: random.Random) -> None:
        """``sync.py``'s mix of 100 changes, each its own operation as Anki's screens make them."""
        from anki.scheduler.v3 import CardAnswer

        col = self.a
        picked = rng.sample(list(col.find_cards("-is:suspended")), 100)
        plan = ["answer"] * 40 + ["edit"] * 15 + ["tag"] * 10 + ["suspend"] * 5 + ["flag"] * 5 + ["bury"] * 10
        plan += ["add"] * 10 + ["delete"] * 5
        model = col.models.by_name("Basic")
        assert model is not None and self.deck is not None
        for card_id, what in zip(picked, plan, strict=True):
            card = col.get_card(card_id)
            if what == "answer":
                card.start_timer()
                states = col._backend.get_scheduling_states(card_id)
                rating = rng.choice((CardAnswer.AGAIN, CardAnswer.GOOD, CardAnswer.GOOD, CardAnswer.EASY))
                col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))
            elif what == "edit":
                note = card.note()
                note["Back"] = f"edited {rng.random()}"
                col.update_note(note)
            elif what == "tag":
                if rng.random() < 0.7:
                    col.tags.bulk_add([card.nid], "exam")
                else:
                    col.tags.bulk_remove([card.nid], "exam")
            elif what == "suspend":
                col.sched.suspend_cards([card_id])
            elif what == "flag":
                col.set_user_flag_for_cards(rng.randint(1, 7), [card_id])
            elif what == "bury":
                col.sched.bury_cards([card_id])
            elif what == "add":
                note = col.new_note(model)
                note["Front"], note["Back"] = f"new question {rng.random()}", "new answer"
                col.add_note(note, self.deck)
            else:
                col.remove_notes([card.nid])

    def round(self, rng: random.Random) -> None:
        self.changes(rng)
        for name, col, times in (("a", self.a, self.push), ("b", self.b, self.pull)):
            t = time.perf_counter()
            out = col.sync_collection(self.auth[name], False)
            times.append(time.perf_counter() - t)
            assert out.required == out.NO_CHANGES, out

    def result(self) -> dict[str, Any]:
        same = self.a.card_count() == self.b.card_count()
        self.a.close()
        self.b.close()
        self.server.stop()
        return {"push": stats(self.push), "pull": stats(self.pull), "collections_agree": same}


def incremental(args: argparse.Namespace, env_of: Callable[[str, str], dict[str, str]], tmp: Path) -> dict[str, Any]:
    template = tmp / "template"
    t = time.perf_counter()
    build(template / "home", args.cards, 0, seed=1).close()
    log(f"home of {args.cards} cards built in {time.perf_counter() - t:.1f} s")
    servers, pairs = [], {}
    try:
        for db in args.dbs:
            server = aksio_server(env_of(db, f"inc_{db}"), tmp / f"inc-{db}.log")
            servers.append(server)
            pairs[db] = AksioPair(template, tmp / f"inc-{db}", server.url, f"inc{db}")
        anki = AnkiPair(tmp, args.cards)
        rng = random.Random(7)
        for i in range(args.rounds):
            for pair in (*pairs.values(), anki):
                pair.round(rng)
            if i % 5 == 4:
                log(
                    f"round {i + 1}: "
                    + ", ".join(
                        f"{db} {p.push[-1] * 1000:.1f}/{p.pull[-1] * 1000:.1f} ms"
                        for db, p in (*pairs.items(), ("anki", anki))
                    )
                )
    finally:
        for server in servers:
            server.stop()
    out: dict[str, Any] = {"cards": args.cards, "rounds": args.rounds}
    out |= {db: pair.result() for db, pair in pairs.items()}
    out["anki"] = anki.result()
    for db in pairs:
        for side in ("push", "pull"):
            out[db][f"{side}_over_anki"] = round(out[db][side]["median_ms"] / out["anki"][side]["median_ms"], 2)
    return out


# -- part 2: a new device's first sync ---------------------------------------------------------------------------


class Phases:
    """Seconds spent in the client's steps of a sync, by wrapping them for the duration (bench only)."""

    STEPS = (
        (Aksio, "changes_since", "read_outgoing"),
        (wire, "encode", "wire_encode"),
        (Server, "push", "push_requests"),
        (Server, "pull", "pull_requests"),
        (wire, "decode", "wire_decode"),
        (Aksio, "apply_changes", "client_merge"),
    )

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> Phases:
        for owner, name, label in self.STEPS:
            original = getattr(owner, name)
            self.saved.append((owner, name, original))
            setattr(owner, name, self._wrap(original, label))
        return self

    def __exit__(self, *_: object) -> None:
        for owner, name, original in self.saved:
            setattr(owner, name, original)

    def _wrap(self, fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        def run(*a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.spent[label] = self.spent.get(label, 0.0) + time.perf_counter() - t

        return run

    def result(self, total: float) -> dict[str, float]:
        out = {k: round(v, 2) for k, v in self.spent.items()}
        # what the requests spent beyond the client's encoding and decoding: the loopback trip and the server
        if "push_requests" in out:
            out["push_requests_less_encode"] = round(self.spent["push_requests"] - self.spent.get("wire_encode", 0), 2)
        if "pull_requests" in out:
            out["pull_requests_less_decode"] = round(self.spent["pull_requests"] - self.spent.get("wire_decode", 0), 2)
        out["total_s"] = round(total, 2)
        return out


def first_sync(args: argparse.Namespace, env_of: Callable[[str, str], dict[str, str]], tmp: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"cards": args.first_cards, "per_card": args.per_card}
    t = time.perf_counter()
    a = build(tmp / "first-a" / "home", args.first_cards, args.per_card, seed=2)
    out["build_s"] = round(time.perf_counter() - t, 1)
    out["rows"] = a.last_change()
    log(f"home of {args.first_cards} cards built in {out['build_s']} s ({out['rows']} changes)")
    for db in args.first_on:
        server = aksio_server(env_of(db, f"first_{db}"), tmp / f"first-{db}.log")
        try:
            source = tmp / f"first-{db}-a"
            shutil.copytree(tmp / "first-a", source)
            sender = Aksio.open(source / "home", FixedClock(NOW), tz=UTC)
            sign_in(sender, server.url, "first@example.org", "a", register=True)
            with Phases() as phases:
                took = timed(lambda sender=sender: sync_now(sender))  # type: ignore[misc]
            pushed = phases.result(took)
            log(f"{db}: pushed in {took:.1f} s: {pushed}")
            fresh = Aksio.open(tmp / f"first-{db}-new" / "home", FixedClock(NOW + timedelta(hours=1)), tz=UTC)
            sign_in(fresh, server.url, "first@example.org", "new", register=False)
            with Phases() as phases:
                took = timed(lambda fresh=fresh: sync_now(fresh))  # type: ignore[misc]
            pulled = phases.result(took)
            log(f"{db}: first sync of the new device in {took:.1f} s: {pulled}")
            out[db] = {"push_everything": pushed, "new_device_first_sync": pulled}
            out[db]["homes_agree"] = fingerprint(sender) == fingerprint(fresh)
            out[db]["goal_s"] = 30
            sender.close()
            fresh.close()
        finally:
            server.stop()
    a.close()
    return out


# -- part 3: many clients pushing at once through two processes --------------------------------------------------


def small_changes(app: Aksio, rng: random.Random, n: int) -> None:
    """``n`` changes of the kinds a study session makes most: answers, then now and then an edit, a tag, a flag."""
    ids = [r[0] for r in app.db.query("SELECT id FROM card WHERE deleted = 0 AND suspended = 0")]
    for card in rng.sample(ids, n):
        what = rng.choices(("answer", "edit", "tag", "flag"), weights=(7, 1, 1, 1))[0]
        if what == "answer":
            app.answer(card, rng.choice((1, 3, 3, 4)))
        elif what == "edit":
            app.edit_card(card, back=f"edited {rng.random()}")
        elif what == "tag":
            app.edit_card(card, add_tags=["exam"])
        else:
            app.flag(card, rng.randint(1, 7))


def concurrent(args: argparse.Namespace, env_of: Callable[[str, str], dict[str, str]], tmp: Path) -> dict[str, Any]:
    env = env_of("postgresql", "concurrent")
    servers = [aksio_server(env, tmp / f"concurrent-{i}.log") for i in range(2)]
    try:
        rng = random.Random(11)
        homes, batches, tokens = [], [], []
        t = time.perf_counter()
        for i in range(args.clients):
            home = Aksio.open(tmp / f"client-{i}" / "home", FixedClock(NOW), tz=UTC)
            path = tmp / f"client-{i}" / "cards.csv"
            path.write_text("".join(f"client {i} question {k},answer {k}\n" for k in range(200)), encoding="utf-8")
            home.add_course(COURSES[0])
            home.import_cards(path, COURSES[0])
            sign_in(home, servers[i % 2].url, f"client{i}@example.org", "laptop", register=True)
            sync_now(home)  # the cards: not timed
            account = client.load_account(home.paths.home)
            assert account is not None
            tokens.append(account.token)
            cursor = home.sync_cursor(account.peer, "push")
            mine = []
            for _ in range(args.pushes):
                home.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
                small_changes(home, rng, args.changes)
                batch, cursor = home.changes_since(cursor, client.BATCH_ROWS)
                mine.append(batch)
            batches.append(mine)
            homes.append(home)
        log(f"{args.clients} clients ready, {args.pushes} batches each, in {time.perf_counter() - t:.1f} s")
        latencies: list[list[float]] = [[] for _ in range(args.clients)]
        failures: list[str] = []
        last_seq: list[int] = [0] * args.clients
        start = threading.Barrier(args.clients + 1)

        def run(i: int) -> None:
            ends = [Server(s.url, tokens[i]) for s in servers]
            start.wait()
            try:
                for k, batch in enumerate(batches[i]):
                    t = time.perf_counter()
                    try:
                        ack = ends[(i + k) % 2].push(batch)
                    except client.SyncError as exc:
                        failures.append(str(exc))
                        continue
                    latencies[i].append(time.perf_counter() - t)
                    if ack.upto != batch.upto or ack.seq <= last_seq[i]:
                        failures.append(f"client {i}: acknowledged {ack}")
                    last_seq[i] = ack.seq
            finally:
                for end in ends:
                    end.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(args.clients)]
        for thread in threads:
            thread.start()
        cpu = time.process_time()
        start.wait()
        t = time.perf_counter()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - t
        cpu = time.process_time() - cpu
        with Server(servers[0].url, tokens[0]) as one:
            for i, token in enumerate(tokens):
                one.http.headers["Authorization"] = f"Bearer {token}"
                if one.status()["seq"] != last_seq[i]:
                    failures.append(f"client {i}: the server's sequence is not the last acknowledged")
        for home in homes:
            home.close()
    finally:
        for server in servers:
            server.stop()
    every = sorted(x for each in latencies for x in each)
    pushes = len(every)
    rows = sum(b.size for each in batches for b in each)
    return {
        "clients": args.clients,
        "server_processes": 2,
        "database": "postgresql",
        "pushes": pushes,
        "rows": rows,
        "wall_s": round(wall, 2),
        "pushes_per_s": round(pushes / wall, 1),
        "rows_per_s": round(rows / wall),
        "latency_p50_ms": round(every[len(every) // 2] * 1000, 2),
        "latency_p99_ms": round(every[min(len(every) - 1, round(len(every) * 0.99))] * 1000, 2),
        "latency_max_ms": round(every[-1] * 1000, 2),
        "client_cpu_share": round(cpu / wall, 2),  # the bench's own process (20 threads) out of 2 cores
        "failures": len(failures),
        "failure_examples": failures[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="incremental,first,concurrent")
    parser.add_argument("--dbs", default="sqlite,postgresql", help="for the incremental part")
    parser.add_argument("--first-on", default="postgresql", help="databases of the first-sync part")
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--cards", type=int, default=10_000, help="cards of the incremental part's homes")
    parser.add_argument("--rounds", type=int, default=None, help="30 (--quick: 10)")
    parser.add_argument("--first-cards", type=int, default=None, help="100000 (--quick: 10000)")
    parser.add_argument("--per-card", type=int, default=10)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--pushes", type=int, default=None, help="batches each client pushes: 50 (--quick: 20)")
    parser.add_argument("--changes", type=int, default=10, help="changes in each client's batch")
    parser.add_argument("--quick", action="store_true", help="first sync of 10k cards, 10 rounds, 20 pushes")
    args = parser.parse_args()
    for name, full, quick in (("first_cards", 100_000, 10_000), ("rounds", 30, 10), ("pushes", 50, 20)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    parts = args.parts.split(",")
    args.dbs, args.first_on = args.dbs.split(","), args.first_on.split(",")
    needed = set(args.dbs if "incremental" in parts else []) | set(args.first_on if "first" in parts else [])
    if "concurrent" in parts:
        needed.add("postgresql")
    result: dict[str, Any] = {"machine": machine("anki", "sqlalchemy", "uvicorn", "psycopg")}
    with (
        tempfile.TemporaryDirectory(prefix="aksio-server-bench-") as name,
        databases(sorted(needed), args.postgres, Path(name)) as env_of,
    ):
        tmp = Path(name)
        if "incremental" in parts:
            result["incremental_100_changes"] = incremental(args, env_of, tmp)
            log(json.dumps(result["incremental_100_changes"]))
        if "first" in parts:
            result["first_sync"] = first_sync(args, env_of, tmp)
        if "concurrent" in parts:
            result["concurrent_pushes"] = concurrent(args, env_of, tmp)
            log(json.dumps(result["concurrent_pushes"]))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
