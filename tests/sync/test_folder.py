"""Sync through a shared folder (``aksio sync dir PATH``): homes are real SQLite files used as devices, the folder a
real directory that a sync tool (or a test playing one) copies files into, half-copies, damages or empties."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from aksio.changes import SyncReport
from aksio.service import Aksio
from aksio_sync import folder, wire
from tests.conftest import Cli, open_home
from tests.core.test_merge import dump, geography
from tests.docmaker import Docs, html
from tests.sync.week import a_week_apart


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    return tmp_path / "shared"


def sync(home: Aksio, shared: Path) -> SyncReport:
    return folder.sync_folder(home, shared)


def files(shared: Path, home: Aksio) -> list[Path]:
    return sorted((shared / home.db.device).glob("*.changes"), key=lambda p: int(p.name.split("-")[0]))


def first_file(a: Aksio, shared: Path) -> tuple[Path, bytes]:
    """A's geography course put into the folder: its first file, and what that file holds."""
    geography(a)
    sync(a, shared)
    path = files(shared, a)[0]
    return path, path.read_bytes()


def reviews(home: Aksio) -> list[str]:
    return [r[0] for r in home.db.query("SELECT id FROM review ORDER BY id")]


# -- converging ---------------------------------------------------------------------------------------------


def test_two_laptops_sync_through_a_folder_and_hold_the_same(
    homes: tuple[Aksio, Aksio], shared: Path, docs: Docs
) -> None:
    a, b = homes
    cards = geography(a)
    a.import_paths([docs("compilers.html", html)], "Geography")
    a.answer(cards[0], 3)
    # the second laptop has a course and a card of its own before it ever syncs: it keeps them
    b.add_course("Biology")
    own = b.add_card("Biology", "Unit of life?", "The cell")[0].id
    b.answer(own, 4)

    first = sync(a, shared)
    assert (first.pushed, first.pulled, first.blobs_sent) == (1, 0, 1)
    second = sync(b, shared)
    assert second.pulled == 1 and second.pushed == 1 and second.blobs_received == 1
    assert sync(a, shared).pulled == 1

    assert dump(a) == dump(b)
    assert {c.name for c in a.courses()} == {c.name for c in b.courses()} == {"Geography", "Biology"}
    assert b.card(own).front == a.card(own).front == "Unit of life?"
    assert len(reviews(a)) == len(reviews(b)) == 2
    digest = a.live_blobs()[0]
    assert b.blobs.get(digest) == a.blobs.get(digest)  # the document's file followed it
    assert [h.chunk_id for h in b.search("lexer")] == [h.chunk_id for h in a.search("lexer")] != []


def test_a_second_sync_merges_nothing_again(homes: tuple[Aksio, Aksio], shared: Path) -> None:
    a, b = homes
    a.answer(geography(a)[0], 3)
    sync(a, shared)
    sync(b, shared)
    before = dump(b)
    again = sync(b, shared)
    assert (again.pushed, again.pulled, again.merged.rows) == (0, 0, 0)
    # a cursor lost (a home restored from a backup) merges the same files again, and nothing changes
    b.set_sync_cursor(folder.device_peer(a.db.device), "pull", 0)
    assert sync(b, shared).pulled == 1
    assert dump(b) == before
    assert len(reviews(b)) == 1


def test_new_changes_go_out_as_new_files_each_merged_once(homes: tuple[Aksio, Aksio], shared: Path) -> None:
    a, b = homes
    cards = geography(a)
    sync(a, shared)
    a.answer(cards[0], 3)
    a.edit_card(cards[1], back="Madrid, on the Manzanares")
    report = sync(a, shared)
    assert report.pushed == 1
    names = [p.name for p in files(shared, a)]
    assert len(names) == 2 and names[1].startswith(f"{int(names[0].split('-')[1].split('.')[0]) + 1}-")
    assert sync(b, shared).pulled == 2
    assert dump(a) == dump(b)


def test_an_emptied_folder_gets_everything_again(homes: tuple[Aksio, Aksio], tmp_path: Path, shared: Path) -> None:
    a, b = homes
    geography(a)
    sync(a, shared)
    for path in files(shared, a):
        path.unlink()
    assert sync(a, shared).pushed == 1  # the folder, not a cursor, says what it has
    assert sync(b, shared).pulled == 1
    assert dump(a) == dump(b)


def test_a_week_offline_on_one_laptop_then_a_sync_gives_both_the_same(homes: tuple[Aksio, Aksio], shared: Path) -> None:
    a_week_apart(*homes, lambda home: sync(home, shared))


# -- what a sync tool does to files ------------------------------------------------------------------------


def test_a_half_copied_file_waits_until_it_is_whole(homes: tuple[Aksio, Aksio], shared: Path) -> None:
    a, b = homes
    path, whole = first_file(a, shared)
    path.write_bytes(whole[: len(whole) // 2])  # the sync tool is still writing it
    report = sync(b, shared)
    assert report.pulled == 0 and not report.refused
    assert len(report.waiting) == 1 and path.name in report.waiting[0] and "incomplete" in report.waiting[0]
    assert b.sync_cursor(folder.device_peer(a.db.device), "pull") == 0
    assert b.cards() == []
    path.write_bytes(whole)
    assert sync(b, shared).pulled == 1
    assert dump(a) == dump(b)


def test_a_gap_in_a_devices_files_stops_there_until_it_is_filled(homes: tuple[Aksio, Aksio], shared: Path) -> None:
    a, b = homes
    first, held = first_file(a, shared)
    a.answer(a.cards()[0].id, 3)
    sync(a, shared)
    first.unlink()  # not arrived yet
    # (A's next sync would write it again: here the sync tool has not brought it to B's copy of the folder)
    report = sync(b, shared)
    assert report.pulled == 0 and report.waiting and "waiting for changes 1-" in report.waiting[0]
    first.write_bytes(held)
    assert sync(b, shared).pulled == 2
    assert dump(a) == dump(b)


def test_a_file_of_a_newer_format_is_refused_in_one_line_and_others_still_merge(
    tmp_path: Path, shared: Path, cli: Cli
) -> None:
    devices = [open_home(tmp_path / name) for name in ("a", "b")]
    try:
        for home in devices:
            home.add_course(f"Course {home.db.device[-4:]}")
            sync(home, shared)
        newer = files(shared, devices[0])[0]
        data = newer.read_bytes()
        head, body = data.split(b"\n", 1)
        header = json.loads(head)
        header["wire"] = wire.WIRE + 1
        newer.write_bytes(json.dumps(header).encode() + b"\n" + body)
    finally:
        for home in devices:
            home.close()
    code, out, err = cli("--home", str(tmp_path / "c"), "sync", "dir", str(shared))
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("error: ") and newer.name in err and "newer Aksio" in err
    assert "merged: 1 batch " in out  # the other device's file was merged all the same
    code, out, _ = cli("--home", str(tmp_path / "c"), "course", "list", "--json")
    assert len(json.loads(out)["courses"]) == 1


def test_damaged_files_are_refused_and_nothing_of_them_applied(homes: tuple[Aksio, Aksio], shared: Path) -> None:
    a, b = homes
    path, whole = first_file(a, shared)
    path.write_bytes(whole[:-10] + bytes(10))  # flipped bytes: the checksum does not match
    report = sync(b, shared)
    assert report.pulled == 0 and len(report.refused) == 1 and "checksum" in report.refused[0]
    path.write_bytes(whole)
    renamed = path.with_name(f"1-{int(path.name.split('-')[1].split('.')[0]) + 1}.changes")
    path.rename(renamed)  # a name that claims more than the file holds
    report = sync(b, shared)
    assert report.pulled == 0 and "name and its contents" in report.refused[0]
    assert b.cards() == [] and b.held_changes() == []


def test_a_copied_data_folder_writing_as_the_same_device_is_refused(
    homes: tuple[Aksio, Aksio], tmp_path: Path, shared: Path
) -> None:
    a, _ = homes
    geography(a)
    sync(a, shared)
    copy = shared / a.db.device
    last = files(shared, a)[-1]
    _, end = (int(n) for n in last.name.removesuffix(".changes").split("-"))
    (copy / f"{end + 1}-{end + 9}.changes").write_bytes(last.read_bytes())
    with pytest.raises(folder.FolderError, match="another home uses this device's id"):
        sync(a, shared)


def test_names_in_the_folder_that_are_not_ours_are_passed_over(homes: tuple[Aksio, Aksio], shared: Path) -> None:
    a, b = homes
    geography(a)
    sync(a, shared)
    device = shared / a.db.device
    (device / "notes.txt").write_text("a file a person left")
    (device / ".tmp-123").write_bytes(b'{"aksio"')  # another device's file being written
    (device / "7-3.changes").write_bytes(b"backwards")
    (shared / "\x1b[31mevil").mkdir()
    (shared / "link").symlink_to(device)  # a link to a device folder is not a device
    (shared / "desktop.ini").write_text("[.ShellClassInfo]")
    report = sync(b, shared)
    assert (report.pulled, report.refused, report.waiting) == (1, [], [])
    assert dump(a) == dump(b)


# -- documents' files ---------------------------------------------------------------------------------------


def test_a_documents_file_not_in_the_folder_yet_comes_with_a_later_sync(
    homes: tuple[Aksio, Aksio], shared: Path, docs: Docs
) -> None:
    a, b = homes
    a.add_course("Compilers")
    a.import_paths([docs("compilers.html", html)], "Compilers")
    sync(a, shared)
    (digest,) = a.live_blobs()
    blob = shared / folder.BLOBS / digest
    kept = blob.read_bytes()
    blob.unlink()  # the sync tool has not brought it yet
    report = sync(b, shared)
    assert report.pulled == 1 and report.missing_blobs == [digest] and b.missing_blobs() == [digest]
    assert b.search("lexer")  # the text is here: only the original waits
    blob.write_bytes(kept[:-1] + b"X")  # a damaged copy is not kept
    report = sync(b, shared)
    assert report.missing_blobs == [digest] and "not what its name says" in report.refused[0]
    assert not b.blobs.has(digest)
    blob.write_bytes(kept)
    report = sync(b, shared)
    assert report.blobs_received == 1 and report.missing_blobs == [] and b.blobs.get(digest) == kept


# -- the command line ---------------------------------------------------------------------------------------


def test_the_command_syncs_and_says_what_it_did(tmp_path: Path, shared: Path, cli: Cli) -> None:
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    assert cli("--home", one, "course", "add", "Geo", "--code", "G1")[0] == 0
    assert cli("--home", one, "card", "add", "-c", "G1", "-f", "Capital of France?", "-b", "Paris")[0] == 0
    code, out, err = cli("--home", one, "sync", "dir", str(shared))
    assert code == 0 and err == ""
    assert "sent: 1 batch of this device's changes" in out
    code, out, _ = cli("--home", two, "sync", "dir", str(shared), "--json")
    report = json.loads(out)
    assert code == 0 and report["pulled"] == 1 and report["merged"]["cards"] == 1
    code, out, _ = cli("--home", two, "card", "list", "--json")
    assert [c["front"] for c in json.loads(out)["cards"]] == ["Capital of France?"]


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: p.write_text("a file"), "not a folder"),
        (lambda p: None, "no such folder"),
    ],
)
def test_a_path_that_is_no_folder_is_one_line(tmp_path: Path, cli: Cli, make: object, says: str) -> None:
    target = tmp_path / "file" if says == "not a folder" else tmp_path / "missing" / "deeper"
    make(target)  # type: ignore[operator]
    code, out, err = cli("sync", "dir", str(target))
    assert code == 1 and out == "" and err.count("\n") == 1 and says in err


def test_control_sequences_in_the_folders_name_are_shown_as_text(tmp_path: Path, cli: Cli) -> None:
    hostile = tmp_path / "sync\x1b]0;owned\x07\x1b[2J"
    code, out, err = cli("sync", "dir", str(hostile))
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out and "synced with" in out


# -- a sync killed halfway -----------------------------------------------------------------------------------


def test_a_sync_killed_halfway_and_run_again_gives_the_same(tmp_path: Path, shared: Path) -> None:
    """A sync in a child process killed at later and later points (a laptop's lid closed) until one finishes: each
    file is merged whole or not at all, with its cursor, and the last run leaves both homes the same."""
    a = open_home(tmp_path / "a")
    try:
        a.add_course("Big")
        for part in range(4):  # four files' worth of work
            csv = tmp_path / f"deck{part}.csv"
            csv.write_text("".join(f"Question {part}.{i}?,Answer {i}\n" for i in range(800)))
            a.import_cards(csv, "Big")
            for card in a.cards("Big")[part * 100 : part * 100 + 100]:
                a.answer(card.id, 3)
            sync(a, shared)
        assert len(files(shared, a)) == 4
        env = {**os.environ, "AKSIO_HOME": str(tmp_path / "b")}
        command = [sys.executable, "-m", "aksio.cli", "sync", "dir", str(shared)]
        kills, delay = 0, 0.1
        for _ in range(40):
            child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                if child.wait(timeout=delay) == 0:
                    break
            except subprocess.TimeoutExpired:
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=30)
                kills += 1
            delay += 0.05
        assert kills >= 1
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        b = open_home(tmp_path / "b")
        try:
            assert dump(a) == dump(b)
            assert len(reviews(b)) == 400
            assert b.doctor()["healthy"]
        finally:
            b.close()
    finally:
        a.close()


def test_a_documents_file_name_from_another_device_is_never_a_path(
    homes: tuple[Aksio, Aksio], tmp_path: Path, shared: Path, docs: Docs
) -> None:
    a, b = homes
    a.add_course("Compilers")
    a.import_paths([docs("compilers.html", html)], "Compilers")
    batch = a.changes_since(0)[0]
    forged = [
        msgspec.structs.replace(row, values={**row.values, "sha256": "../../escaped"})
        for row in batch.tables["document"]
    ]
    b.apply_changes(msgspec.structs.replace(batch, tables={**batch.tables, "document": forged}, blobs=[]))
    (tmp_path / "escaped").write_bytes(b"not a blob of this home")
    report = sync(b, shared)
    assert any("no sha256" in line for line in report.refused)
    assert not (shared / "escaped").exists() and not list(shared.glob("**/escaped"))
    assert report.blobs_received == 0 and not b.blobs.has("../../escaped")


def test_status_says_how_many_rows_wait_for_what_they_belong_to(tmp_path: Path, cli: Cli) -> None:
    a, b = open_home(tmp_path / "a"), open_home(tmp_path / "b")
    try:
        geography(a)
        batch = a.changes_since(0)[0]
        cards_only = {"card": batch.tables["card"]}  # their notes and course come in a batch not here yet
        b.apply_changes(msgspec.structs.replace(batch, tables=cards_only))
        held = len(b.held_changes())
    finally:
        a.close()
        b.close()
    code, out, _ = cli("--home", str(tmp_path / "b"), "sync", "status", "--json")
    assert code == 0 and json.loads(out) == {"signed_in": False, "held": held} and held == 5
    code, out, _ = cli("--home", str(tmp_path / "b"), "sync", "status")
    assert "local only" in out and "held: 5 rows" in out
