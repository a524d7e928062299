"""The facade: the only door the CLI, the TUI and the server use into the core."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import date, datetime, tzinfo
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aksio import names
from aksio.activity import ActivityMixin
from aksio.blobs import BlobStore, sha256
from aksio.clock import Clock, SystemClock
from aksio.config import Paths, Settings, load_settings
from aksio.errors import AksioError, DatabaseError, ImportFailed, InvalidInput, NotFound, one_of, os_failure, within
from aksio.generation import GenerateMixin
from aksio.ingest.parsed import PageCallback
from aksio.models import (
    Course,
    CourseScheduling,
    Document,
    DocumentDetail,
    FailedFile,
    ImportedFile,
    ImportReport,
    SearchHit,
    SkippedFile,
)
from aksio.records import FrozenRecord, Invalid, plain, shallow, validated
from aksio.storage import courses as course_rows
from aksio.storage import documents as document_rows
from aksio.storage import search as search_index
from aksio.storage.db import Database, sqlite_failure
from aksio.study import StudyMixin
from aksio.study_queue import StudyQueue

if TYPE_CHECKING:
    from aksio.changes import ChangeBatch, HeldChange, MergeReport

_UNSET: Any = object()


class ImportProgress(FrozenRecord, frozen=True):
    """Sent to an import's progress callback before each file and once at the end (``path`` None)."""

    index: int
    total: int
    path: str | None
    done_bytes: int
    total_bytes: int


class Aksio(StudyMixin, GenerateMixin, ActivityMixin):
    """An open Aksio home: settings, database and blob store."""

    def __init__(self, paths: Paths, settings: Settings, db: Database, clock: Clock, tz: tzinfo | None = None) -> None:
        self.paths = paths
        self.settings = settings
        self.db = db
        self.clock = clock
        self.tz = tz  # None: the machine's local time zone (study days roll over in local time)
        self.blobs = BlobStore(paths.blobs)
        self.study_queue = StudyQueue(db)  # what next_card serves, kept between calls

    def now(self) -> datetime:
        return self.clock.now()

    @classmethod
    def open(cls, home: Path | None = None, clock: Clock | None = None, tz: tzinfo | None = None) -> Aksio:
        paths = Paths(home)
        settings = load_settings(paths)
        try:
            paths.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create the data dir {paths.home}: {exc.strerror or exc}") from None
        clock = clock or SystemClock()
        return cls(paths, settings, Database.open(paths.database, clock), clock, tz)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Aksio:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    # -- courses ----------------------------------------------------------------------------------

    def courses(self) -> list[Course]:
        return course_rows.list_courses(self.db)

    def course(self, ref: str) -> Course:
        """Find a course by id, name, code or id prefix."""
        found = course_rows.find(self.db, ref.strip())
        return one_of(found, ref, "course", [f"{c.name} ({c.id[-8:]})" for c in found], "use the id")

    def course_id(self, ref: str) -> str:
        """The id of the course ``ref`` names: what the hot paths (next card, answer) need, and nothing more."""
        found = course_rows.find_ids(self.db, ref.strip())
        return one_of(found, ref, "course", found, "use the id")

    def add_course(
        self,
        name: str,
        *,
        code: str | None = None,
        exam_date: str | date | None = None,
        description: str = "",
        tags: Sequence[str] = (),
    ) -> Course:
        values: dict[str, Any] = {
            "name": _clean_name(name, "course name"),
            "code": _clean_code(code),
            "description": description.strip(),
            "exam_date": _date(exam_date, self.now().date()),
            "tags": _tags(tags),
            "metadata": {},
        }
        with self.db.write() as w:  # checked inside the transaction: no other Aksio can add the name meanwhile
            self._refuse_taken(values["name"], values["code"])
            course_id = course_rows.insert(w, values)
        return self._course(course_id)

    def edit_course(
        self,
        ref: str,
        *,
        name: str | None = None,
        code: str | None = _UNSET,
        exam_date: str | date | None = _UNSET,
        description: str | None = None,
        add_tags: Sequence[str] = (),
        remove_tags: Sequence[str] = (),
        metadata: dict[str, str] | None = None,
        desired_retention: float | None = None,
        daily_new_limit: int | None = None,
        scheduling: dict[str, Any] | None = None,
    ) -> Course:
        """Change some fields; ``code=None`` or ``exam_date=None`` clears them.

        ``scheduling`` changes the course's FSRS options (maximum_interval, learning_steps, relearning_steps,
        fuzz, parameters).
        """
        course = self.course(ref)
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = _clean_name(name, "course name")
        if code is not _UNSET:
            changes["code"] = _clean_code(code)
        if exam_date is not _UNSET:
            changes["exam_date"] = _date(exam_date, self.now().date())
        if description is not None:
            changes["description"] = description.strip()
        if add_tags or remove_tags:
            drop = set(_tags(remove_tags))
            changes["tags"] = [t for t in _tags([*course.tags, *add_tags]) if t not in drop]
        if metadata:
            changes["metadata"] = {**course.metadata, **metadata}
        if desired_retention is not None:
            if not 0.7 <= desired_retention <= 0.99:
                raise InvalidInput("desired retention must be between 0.70 and 0.99")
            changes["desired_retention"] = desired_retention
        if daily_new_limit is not None:
            if not 0 <= daily_new_limit <= 10000:
                raise InvalidInput("new cards per day must be between 0 and 10000")
            changes["daily_new_limit"] = daily_new_limit
        if scheduling:
            changes["srs"] = _scheduling(course, scheduling)
        changes = {k: v for k, v in changes.items() if _differs(getattr(course, k), v)}
        if changes:
            with self.db.write() as w:
                self._refuse_taken(changes.get("name"), changes.get("code"), course.id)
                course_rows.update(w, course.id, changes)
                if changes.keys() & {"desired_retention", "srs"}:  # the cards' states derive from them
                    self._repair_states(w, course.id)
        return self._course(course.id)

    def delete_course(self, ref: str) -> tuple[Course, int]:
        """Delete a course and its documents. Returns the course and how many documents went with it."""
        course = self.course(ref)
        with self.db.write() as w:
            docs = course_rows.tombstone(w, course.id)
        return course, len(docs)

    def _refuse_taken(self, name: str | None, code: str | None, course_id: str | None = None) -> None:
        """Refuse a course name or code that is, or only looks like, another course's name or code."""
        others = [(c.name, c.code) for c in course_rows.course_names(self.db) if c.id != course_id]
        for value, what in ((name, "name"), (code, "code")):
            if value and (why := names.refusal(value, what, others)):
                raise InvalidInput(why)

    def _course(self, course_id: str) -> Course:
        course = course_rows.get(self.db, course_id)
        if course is None:
            raise NotFound(f"no course {course_id!r}")
        return course

    # -- documents --------------------------------------------------------------------------------

    def documents(self, course: str | None = None) -> list[Document]:
        course_id = self.course_id(course) if course else None
        return document_rows.list_documents(self.db, course_id)

    def document(self, ref: str, course: str | None = None) -> DocumentDetail:
        doc = self._find_document(ref, course)
        return DocumentDetail(**shallow(doc), sections=document_rows.section_tree(self.db, doc.id))

    def delete_document(self, ref: str, course: str | None = None) -> Document:
        doc = self._find_document(ref, course)
        with self.db.write() as w:
            document_rows.tombstone(w, doc.id)
        return doc

    def _find_document(self, ref: str, course: str | None) -> Document:
        course_id = self.course_id(course) if course else None
        found = document_rows.find(self.db, ref.strip(), course_id)
        described = [f"{d.title} in {d.course_name} ({d.id[-8:]})" for d in found]
        return one_of(
            found, ref, "document", described, "use the id", "doc list", cli_hint="or narrow it down with --course"
        )

    def import_paths(
        self,
        paths: Sequence[Path],
        course: str,
        *,
        tags: Sequence[str] = (),
        progress: Callable[[ImportProgress], None] | None = None,
    ) -> ImportReport:
        """Import files and folders into a course: each file in its own transaction, failures reported."""
        from aksio.ingest import files

        target = self.course(course)
        self.blobs.sweep_stale_tmp()
        with self.db.write():
            self.blobs.sweep_unused(lambda digest: document_rows.blob_used(self.db, digest))
        found, errors = files.collect(list(paths))
        report = ImportReport(course_id=target.id, course_name=target.name)
        report.failed.extend(FailedFile(path=files.readable_path(e.path), reason=e.reason) for e in errors)
        sizes = [_size(p) for p in found]
        total_bytes, done = sum(sizes), 0
        tag_list = _tags(tags)
        for index, path in enumerate(found):
            on_page = None
            if progress:
                at = ImportProgress(index, len(found), files.readable_path(str(path)), done, total_bytes)
                progress(at)
                on_page = _page_reporter(progress, at, sizes[index])
            try:
                self._import_one(path, target, tag_list, report, on_page)
            except ImportFailed as exc:
                report.failed.append(FailedFile(path=files.readable_path(exc.path), reason=exc.reason))
            done += sizes[index]
        if progress:
            progress(ImportProgress(len(found), len(found), None, total_bytes, total_bytes))
        return report

    def _import_one(
        self,
        path: Path,
        course: Course,
        tags: list[str],
        report: ImportReport,
        on_page: PageCallback | None = None,
    ) -> None:
        from aksio.ingest import files

        data = files.read(path)
        digest = sha256(data)
        shown = files.readable_path(str(path))
        if self._skipped_as_copy(course, digest, shown, report):  # before parsing: a copy is not parsed at all
            return
        parsed = files.parse(path, data, self.settings.ingest.chunk_chars, on_page)
        created = False
        try:
            # The check is made again under the write lock: another import of the same file may have finished
            # while this one parsed. Blobs are written (and dropped) only under that lock too, so a blob this
            # import wrote is one no committed document refers to.
            with self.db.write() as w:
                if self._skipped_as_copy(course, digest, shown, report):
                    return
                created = self._store_original(shown, data, digest)
                doc_id, n_sections, n_chunks = document_rows.insert_parsed(
                    w, course.id, parsed, files.readable_path(path.name), digest, len(data), tags
                )
        except BaseException:
            if created:
                self._drop_unused_blob(digest)
            raise
        report.imported.append(
            ImportedFile(
                path=shown,
                document_id=doc_id,
                title=parsed.title,
                kind=parsed.kind,
                page_count=parsed.page_count,
                section_count=n_sections,
                chunk_count=n_chunks,
                warnings=parsed.warnings,
            )
        )

    def _skipped_as_copy(self, course: Course, digest: str, shown: str, report: ImportReport) -> bool:
        """Whether the course has these bytes already (then the file is reported skipped)."""
        existing = document_rows.by_sha(self.db, course.id, digest)
        if existing:
            reason = f"already imported as {existing.title!r}"
            report.skipped.append(SkippedFile(path=shown, reason=reason, document_id=existing.id))
        return existing is not None

    def _store_original(self, shown: str, data: bytes, digest: str) -> bool:
        try:
            return self.blobs.put(data, digest)
        except OSError as exc:
            reason = os_failure(exc, self.paths.home) or f"cannot store the original in {self.paths.blobs}: {exc}"
            raise ImportFailed(shown, str(reason)) from None

    def _drop_unused_blob(self, digest: str) -> None:
        """Remove the blob a failed import wrote, unless a document refers to it by now."""
        # Whatever goes wrong here, the user must see the import's own error, and a blob kept is never harm.
        with suppress(Exception), self.db.write():
            if not document_rows.blob_used(self.db, digest):
                self.blobs.discard(digest)

    # -- search -----------------------------------------------------------------------------------

    def search(self, query: str, course: str | None = None, limit: int | None = None) -> list[SearchHit]:
        if not query.strip():
            raise InvalidInput("nothing to search for")
        limit = self.settings.search.limit if limit is None else within(limit, 1, 1000, "--limit")
        course_id = self.course_id(course) if course else None
        return search_index.search(self.db, query, course_id, limit)

    def search_notice(self, query: str) -> str | None:
        """One line saying how ``query`` is cut short before it is searched (too many words), or None."""
        return search_index.query_terms(query).notice

    # -- sync -------------------------------------------------------------------------------------

    def changes_since(self, cursor: int, limit: int = 5000) -> tuple[ChangeBatch, int]:
        """This device's changes after ``cursor`` (a sequence number of its change log; 0: all of them): the rows
        named by the log, at most ``limit`` of them, with their current values and stamps, and the cursor that
        follows them (``cursor`` itself when there is nothing new)."""
        from aksio.storage import changes

        if cursor < 0 or limit < 1:
            raise InvalidInput("a change cursor is 0 or more, and a batch holds at least one row")
        with self.db.read():
            batch = changes.outgoing(self.db, cursor, limit)
        return batch, batch.upto

    def apply_changes(self, batch: ChangeBatch, *, pulled: tuple[str, int] | None = None) -> MergeReport:
        """Merge another device's batch in one transaction: column by column, the later stamp wins; a row whose
        parent has not arrived is held until it does; the touched cards' states are derived again and the touched
        chunks indexed. Merging a batch twice, or batches in any order, comes to the same. ``pulled``: (peer,
        cursor) stored as that peer's pull cursor in the same transaction. A batch that cannot be merged raises
        ``BadBatch`` and nothing of it is applied."""
        from aksio.storage import changes

        self.study_queue.changed()
        with self.db.write() as w:
            merged = changes.merge(w, batch)
            merged.report.cards = self._derive_states(w, merged.cards, merged.courses)
            if pulled is not None:
                changes.set_cursor(w, pulled[0], "pull", pulled[1])
        merged.report.missing_blobs = [digest for digest in merged.blobs if not self.blobs.has(digest)]
        return merged.report

    def held_changes(self) -> list[HeldChange]:
        """Rows from other devices waiting for their parent row to arrive."""
        from aksio.storage import changes

        return changes.held(self.db)

    def sync_cursor(self, peer: str, kind: str) -> int:
        """This home's ``push`` cursor to a peer (its own log's sequence number the peer has acknowledged) or
        ``pull`` cursor from it (the peer's); 0 when never synced."""
        from aksio.storage import changes

        return changes.cursor(self.db, peer, _cursor_kind(kind))

    def set_sync_cursor(self, peer: str, kind: str, seq: int) -> None:
        from aksio.storage import changes

        with self.db.write() as w:
            changes.set_cursor(w, peer, _cursor_kind(kind), seq)

    def last_change(self) -> int:
        """The sequence number of this device's latest change in its log (0: none yet): where a push ends."""
        from aksio.storage import changes

        return changes.last_seq(self.db)

    def live_blobs(self) -> list[str]:
        """The files (sha256) this home's live documents refer to, whether it holds them or not."""
        return document_rows.live_blobs(self.db)

    def missing_blobs(self) -> list[str]:
        """The files of live documents this home does not hold (merged from a device that has not shared them)."""
        return [digest for digest in self.live_blobs() if not self.blobs.has(digest)]


def _cursor_kind(kind: str) -> str:
    if kind not in ("push", "pull"):
        raise InvalidInput(f"a sync cursor is push or pull, not {kind!r}")
    return kind


def database_failure(exc: sqlite3.Error, home: Path | None = None) -> AksioError:
    """What an SQLite error that escaped the core (a read meeting damage or a full disk) means to a student."""
    return sqlite_failure(exc, Paths(home).database) or DatabaseError(f"unexpected database error: {exc}")


def _page_reporter(progress: Callable[[ImportProgress], None], at: ImportProgress, size: int) -> PageCallback:
    """Turn a parser's page count into byte progress within the current file."""

    def on_page(page: int, pages: int) -> None:
        done = at.done_bytes + size * page // max(pages, 1)
        progress(ImportProgress(at.index, at.total, at.path, done, at.total_bytes))

    return on_page


def _clean_code(value: str | None) -> str | None:
    return _clean_name(value, "course code") if value and names.clean(value) else None


def _clean_name(value: str, what: str) -> str:
    value = names.clean(value)
    if not value:
        raise InvalidInput(f"the {what} cannot be empty")
    if len(value) > 200:
        raise InvalidInput(f"the {what} is too long (at most 200 characters)")
    return value


def _date(value: str | date | None, today: date) -> str | None:
    """An exam date as stored (ISO), if it is a real date within ``_EXAM_YEARS`` of ``today`` (beyond: a typo)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value or value.lower() == "none":
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise InvalidInput(f"exam date {value!r} is not a date: use YYYY-MM-DD")
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"exam date {value!r} is not a real date") from None
    if abs((value - today).days) > _EXAM_YEARS * 365:
        raise InvalidInput(f"exam date {value.isoformat()} is more than {_EXAM_YEARS} years from today")
    return value.isoformat()


_EXAM_YEARS = 20


def _tags(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        for tag in raw.split(","):
            tag = tag.strip()
            if tag and tag not in out:
                out.append(tag)
    return out


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, date):
        old = old.isoformat()
    if isinstance(old, CourseScheduling):
        old = plain(old)
    return bool(old != new)


def _scheduling(course: Course, changes: dict[str, Any]) -> dict[str, Any]:
    """Validate FSRS option changes against the model; a bad one is a one-line error."""
    merged = {**plain(course.srs), **changes}
    try:
        checked = validated(CourseScheduling, merged)
    except Invalid as exc:
        raise InvalidInput(str(exc)) from None
    for what, steps in (("learning", checked.learning_steps), ("relearning", checked.relearning_steps)):
        if len(steps) > _MOST_STEPS:
            raise InvalidInput(f"at most {_MOST_STEPS} {what} steps")
        if any(not 1 <= m <= _LONGEST_STEP for m in steps):
            raise InvalidInput(f"{what} steps must be from 1 to {_LONGEST_STEP} minutes (a year)")
    if checked.parameters is not None and len(checked.parameters) != 21:
        raise InvalidInput("FSRS-6 needs exactly 21 parameters")
    out: dict[str, Any] = plain(checked)
    return out


# A step is minutes to hours (Anki's default is 1,10); a year is past any use, and far beyond it the due dates
# overflow. The count: each step is another showing of a new card on its first day.
_LONGEST_STEP = 365 * 24 * 60
_MOST_STEPS = 20


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


__all__ = ["Aksio", "AksioError", "ImportProgress", "database_failure"]
