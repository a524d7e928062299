"""Generation on the facade: grounded flashcards and quiz questions from a course's documents, in batch.

Parts (a section, or a piece of a long one) go to the generator, concurrently when it is a model; every item
is checked against the page it cites and the course's existing items; each finished part commits on its
own (cards, cache entries, usage, and the mark that it is done), so an interrupted batch resumes where it
stopped and never pays a model twice for the same part.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from msgspec import field

from aksio.errors import InvalidInput, list_limit, one_of
from aksio.generate.prompts import What, card_messages, part_chars, part_key, question_messages, split_parts
from aksio.llm.base import CachedResponse, Message, Usage
from aksio.models import SectionInput
from aksio.records import FrozenRecord, Record
from aksio.storage import generation as gen_rows

if TYPE_CHECKING:
    from aksio.config import Settings
    from aksio.generate.checks import DuplicateIndex
    from aksio.generate.furniture import Furniture
    from aksio.generate.items import CardDraft, CardDrafts, QuestionDraft, QuestionDrafts
    from aksio.llm.base import Provider, ProviderStatus
    from aksio.llm.reliability import Structured
    from aksio.models import Card, Course, Document
    from aksio.storage.db import Database, Writer
    from aksio.study_queue import StudyQueue

CardKind = Literal["basic", "cloze", "mixed"]

CANCEL_POLL_S = 0.1  # how soon a batch notices a cancel (the app's) while every part is still waiting on the model


class GeneratedItem(Record, kw_only=True):
    """A kept item: a card's note or a quiz question, as stored."""

    id: str  # note id (cards) or question id
    kind: str
    front: str  # question (card front, or quiz prompt)
    back: str  # answer
    choices: list[str] = field(default_factory=list)
    document_id: str
    page: int
    quote: str
    section_title: str


class RejectedItem(Record, kw_only=True):
    """A dropped item and why (see ``aksio.generate.checks.REASONS``)."""

    reason: str
    front: str
    back: str
    page: int
    quote: str
    section_title: str


class GenerationReport(Record, kw_only=True):
    course_id: str
    course_name: str
    what: str  # cards | questions
    generator: str  # offline, or provider/model
    dry_run: bool
    held: bool  # cards were stored pending, to accept or reject
    parts: int  # parts of sections to generate from (long sections are split)
    parts_done: int  # parts finished by this run
    parts_resumed: int  # parts skipped: a previous run with the same settings finished them
    parts_failed: int  # parts the model gave nothing usable for (a rerun retries them)
    kept: int
    rejected: dict[str, int]  # dropped items by reason
    calls: int  # model calls made (cache hits not counted)
    cached: int  # parts answered from the response cache
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    interrupted: bool = False
    model_errors: dict[str, int] = field(default_factory=dict)  # why parts failed: message -> parts
    items: list[GeneratedItem] = field(default_factory=list)
    rejected_items: list[RejectedItem] = field(default_factory=list)  # what was dropped, and why


class GenerationProgress(FrozenRecord, frozen=True):
    """Sent after every part: how far the batch is."""

    parts_done: int
    parts_total: int
    kept: int
    rejected: int


class _Outcome(Record):
    """What one part gave: drafts, or an error; and what it cost."""

    drafts: list[Any] = field(default_factory=list)
    error: str | None = None
    calls: int = 0
    cached: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_entries: list[tuple[str, CachedResponse]] = field(default_factory=list)


class GenerateMixin:
    """Mixed into ``aksio.service.Aksio``."""

    db: Database
    settings: Settings
    study_queue: StudyQueue

    if TYPE_CHECKING:

        def course(self, ref: str) -> Course: ...
        def card(self, ref: str) -> Card: ...
        def _find_document(self, ref: str, course: str | None) -> Document: ...

    # -- the model ---------------------------------------------------------------------------------

    def provider(self, provider: str | None = None, model: str | None = None) -> Provider:
        from aksio.llm.factory import make_provider

        return make_provider(self.settings.llm, provider=provider, model=model)

    def llm_status(self, provider: str | None = None, model: str | None = None) -> ProviderStatus:
        return self.provider(provider, model).status()

    # -- curating what was generated --------------------------------------------------------------

    def accept_cards(self, course: str | None = None, *, origin: str | None = None, cards: Sequence[str] = ()) -> int:
        """Release held (pending) notes into the deck: those of the given cards, or all matching. Returns notes."""
        notes = self._curated_notes(course, origin, cards, "pending")
        if notes:
            self.study_queue.changed()
            with self.db.write() as w:
                gen_rows.set_note_status(w, notes, "active")
        return len(notes)

    def reject_cards(
        self, course: str | None = None, *, origin: str | None = None, cards: Sequence[str] = (), pending: bool = True
    ) -> int:
        """Delete generated notes (only held ones unless ``pending`` is False): one transaction. Returns notes."""
        if not cards and not origin and pending is False:
            raise InvalidInput("name the cards, or an --origin, to reject")
        notes = self._curated_notes(course, origin, cards, "pending" if pending else None)
        if notes:
            from aksio.storage import cards as card_rows

            self.study_queue.changed()
            with self.db.write() as w:
                card_rows.tombstone_notes(w, notes)
        return len(notes)

    def _curated_notes(
        self, course: str | None, origin: str | None, cards: Sequence[str], status: str | None
    ) -> list[str]:
        course_id = self.course(course).id if course else None
        card_ids = [self.card(ref).id for ref in cards]
        return gen_rows.notes_matching(self.db, course_id, origin, status, card_ids)

    def questions(
        self, course: str | None = None, *, origin: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        course_id = self.course(course).id if course else None
        return gen_rows.list_questions(self.db, course_id, origin, None, list_limit(limit))

    # -- generating --------------------------------------------------------------------------------

    def generate(
        self,
        what: What,
        course: str,
        *,
        document: str | None = None,
        section: str | None = None,
        per_section: int = 5,
        kind: CardKind = "mixed",
        provider: str | None = None,
        model: str | None = None,
        concurrency: int | None = None,
        dry_run: bool = False,
        hold: bool | None = None,
        seed: int = 0,
        progress: Callable[[GenerationProgress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> GenerationReport:
        """Generate cards or quiz questions for a course (or one document or section of it). Cards are held out of
        study for the student to accept or reject when ``hold`` says so, by default when ``generate.hold`` does."""
        if hold is None:
            hold = self.settings.generate.hold
        if not 1 <= per_section <= 50:
            raise InvalidInput("--per-section must be between 1 and 50")
        if kind not in ("basic", "cloze", "mixed"):
            raise InvalidInput(f"unknown card kind {kind!r}; use basic, cloze or mixed")
        target = self.course(course)
        model_provider = self.provider(provider, model)
        offline = model_provider.name == "offline"
        generator = "offline" if offline else f"{model_provider.name}/{model_provider.model}"
        document_id = self._find_document(document, target.id).id if document else None
        section_id = self._section_id(target.id, document_id, section) if section else None
        sections = gen_rows.section_inputs(self.db, target.id, document_id, section_id)
        if not sections:
            scope = "this document" if document else "this section" if section else f"course {target.name!r}"
            raise InvalidInput(f"{scope} has no text to generate from", cli_hint="add documents with `aksio import`")
        # a model's parts fit its context window, by script; offline, a part is a section up to the English size
        num_ctx = self.settings.llm.num_ctx
        parts = [p for s in sections for p in split_parts(s, part_chars(s, num_ctx, english=offline))]
        options: dict[str, object] = {"per_section": per_section, "kind": kind if what == "cards" else "", "seed": seed}
        keys = [part_key(what, generator, options, p) for p in parts]
        done_before = gen_rows.done_parts(self.db, target.id)
        todo = [(k, p) for k, p in zip(keys, parts, strict=True) if k not in done_before]
        pages = gen_rows.page_texts(self.db, {s.document_id for s in sections})
        existing = self._duplicate_index(what, target.id)
        furniture = _furniture(pages) if offline else {}
        terms = _course_terms(sections, furniture) if what == "questions" and offline else []
        report = GenerationReport(
            course_id=target.id,
            course_name=target.name,
            what=what,
            generator=generator,
            dry_run=dry_run,
            held=hold and what == "cards",
            parts=len(parts),
            parts_done=0,
            parts_resumed=len(parts) - len(todo),
            parts_failed=0,
            kept=0,
            rejected={},
            calls=0,
            cached=0,
            prompt_tokens=0,
            completion_tokens=0,
            seconds=0.0,
        )
        started = time.perf_counter()
        cancel = cancel or threading.Event()

        reads: dict[str, CachedResponse] = {}
        if not offline:  # read the cache here: workers never touch the database
            for _, part in todo:
                prompt_key = _prompt_key(model_provider, what, part, per_section, kind)
                hit = gen_rows.cache_get(self.db, prompt_key)
                if hit is not None:
                    reads[prompt_key] = hit

        def run(key: str, part: SectionInput) -> _Outcome:
            if offline:
                rng = random.Random(f"{seed}:{key}")
                return _offline_outcome(what, part, per_section, kind, terms, rng, furniture.get(part.document_id))
            return self._model_outcome(model_provider, what, part, per_section, kind, reads, cancel)

        def finish(key: str, part: SectionInput, outcome: _Outcome) -> None:
            self._store_part(report, key, part, outcome, pages, existing, model_provider)
            if progress:
                progress(
                    GenerationProgress(
                        report.parts_done + report.parts_failed,
                        len(todo),
                        report.kept,
                        sum(report.rejected.values()),
                    )
                )

        try:
            if offline:
                for key, part in todo:
                    if cancel.is_set():
                        raise KeyboardInterrupt
                    finish(key, part, run(key, part))
            else:
                self._run_concurrently(
                    todo, run, finish, concurrency or self.settings.llm.concurrency, cancel, model_provider
                )
        except KeyboardInterrupt:
            cancel.set()
            report.interrupted = True
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _run_concurrently(
        self,
        todo: Sequence[tuple[str, SectionInput]],
        run: Callable[[str, SectionInput], _Outcome],
        finish: Callable[[str, SectionInput, _Outcome], None],
        concurrency: int,
        cancel: threading.Event,
        provider: Provider,
    ) -> None:
        """Model calls in worker threads; every database write here, in this thread, as parts finish.

        The workers are daemon threads, not a ThreadPoolExecutor's: its exit handler joins every worker, so one
        call stuck on a slow server kept the process alive after Ctrl-C. When the batch ends early (Ctrl-C, a
        cancel, an error) the calls in flight are aborted and their threads left to end on their own; their
        parts are not done, and a rerun redoes them.
        """
        if not 1 <= concurrency <= 64:
            raise InvalidInput("--concurrency must be between 1 and 64")
        finished: queue.Queue[tuple[str, SectionInput, _Outcome | BaseException]] = queue.Queue()

        def work(key: str, part: SectionInput) -> None:
            try:
                outcome: _Outcome | BaseException = run(key, part)
            except BaseException as exc:  # raised again in the batch's thread
                outcome = exc
            finished.put((key, part, outcome))

        waiting, in_flight = list(todo), 0
        try:
            while waiting or in_flight:
                if cancel.is_set():
                    raise KeyboardInterrupt
                while waiting and in_flight < concurrency:
                    key, part = waiting.pop(0)
                    threading.Thread(target=work, args=(key, part), name="aksio-llm", daemon=True).start()
                    in_flight += 1
                try:
                    key, part, outcome = finished.get(timeout=CANCEL_POLL_S)
                except queue.Empty:
                    continue
                in_flight -= 1
                if isinstance(outcome, BaseException):
                    # a worker cut short by the cancel raises LLMCancelled: the batch was cancelled, not broken
                    raise KeyboardInterrupt if cancel.is_set() else outcome
                finish(key, part, outcome)
        except BaseException:
            cancel.set()  # no retries, no backoff waits in the workers
            provider.abort()
            raise

    def _model_outcome(
        self,
        provider: Provider,
        what: What,
        part: SectionInput,
        count: int,
        kind: str,
        reads: dict[str, CachedResponse],
        cancel: threading.Event,
    ) -> _Outcome:
        """One part through the model (in a worker thread: no database here; the cache was read beforehand)."""
        from aksio.llm.errors import LLMBadResponse, LLMTransient
        from aksio.llm.reliability import ask_structured

        messages, schema_model = _prompt(what, part, count, kind)
        cache = _PrimedCache(reads)
        try:
            answer: Structured[Any] = ask_structured(
                provider, messages, schema_model, cache=cache, retries=self.settings.llm.max_retries, cancel=cancel
            )
        except (LLMTransient, LLMBadResponse) as exc:  # a bad response is not retried
            calls = self.settings.llm.max_retries + 1 if isinstance(exc, LLMTransient) else 1
            return _Outcome(error=str(exc), calls=calls)
        outcome = _Outcome(
            calls=answer.calls,
            cached=answer.cached,
            prompt_tokens=answer.usage.prompt_tokens,
            completion_tokens=answer.usage.completion_tokens,
            cache_entries=cache.new_entries,
        )
        if answer.value is None:
            outcome.error = f"the model's answer did not fit, even after a repair: {answer.error or 'no JSON'}"
        else:
            outcome.drafts = list(answer.value.cards if what == "cards" else answer.value.questions)
        return outcome

    def _store_part(
        self,
        report: GenerationReport,
        key: str,
        part: SectionInput,
        outcome: _Outcome,
        pages: dict[tuple[str, int], str],
        existing: DuplicateIndex,
        provider: Provider,
    ) -> None:
        """Check a part's drafts and commit what passes, with the part's cache entries and usage: one transaction."""
        from aksio.generate.checks import check_card, check_question
        from aksio.generate.items import CardDraft

        report.calls += outcome.calls
        report.cached += int(outcome.cached)
        report.prompt_tokens += outcome.prompt_tokens
        report.completion_tokens += outcome.completion_tokens
        if outcome.error is not None:
            report.parts_failed += 1
            report.rejected["model_error"] = report.rejected.get("model_error", 0) + 1
            report.model_errors[outcome.error] = report.model_errors.get(outcome.error, 0) + 1
            return
        kept: list[Any] = []
        rejected: dict[str, int] = {}
        for draft in outcome.drafts:
            page_text = pages.get((part.document_id, draft.page))
            if isinstance(draft, CardDraft):
                reason = check_card(draft, page_text, existing)
            else:
                reason = check_question(draft, page_text, existing)
            if reason is None:
                kept.append(draft)
            else:
                rejected[reason] = rejected.get(reason, 0) + 1
                shown = _item("", draft, part)
                report.rejected_items.append(
                    RejectedItem(
                        reason=reason,
                        front=shown.front,
                        back=shown.back,
                        page=shown.page,
                        quote=shown.quote,
                        section_title=shown.section_title,
                    )
                )
        for why, n in rejected.items():
            report.rejected[why] = report.rejected.get(why, 0) + n
        report.kept += len(kept)
        report.parts_done += 1
        if report.dry_run:  # no items stored, but the answers are: the real run will not pay for them again
            report.items += [_item("", d, part) for d in kept]
            if outcome.cache_entries:
                with self.db.write() as w:
                    for cache_key, entry in outcome.cache_entries:
                        gen_rows.cache_put(w, cache_key, entry)
                    self._record_usage(w, report, provider, outcome)
            return
        origin = report.generator if report.generator == "offline" else f"gen:{report.generator}"
        with self.db.write() as w:
            if report.what == "cards":
                ids = self._insert_drafts(w, report.course_id, part, kept, origin, held=report.held)
            else:
                ids = gen_rows.insert_questions(w, report.course_id, [_question_row(d, part, origin) for d in kept])
            for cache_key, entry in outcome.cache_entries:
                gen_rows.cache_put(w, cache_key, entry)
            self._record_usage(w, report, provider, outcome)
            gen_rows.mark_done(w, report.course_id, key, len(kept), rejected)
        report.items += [_item(i, d, part) for i, d in zip(ids, kept, strict=True)]

    @staticmethod
    def _record_usage(w: Writer, report: GenerationReport, provider: Provider, outcome: _Outcome) -> None:
        if report.generator != "offline":
            gen_rows.record_usage(
                w,
                provider.name,
                provider.model,
                f"generate {report.what}",
                calls=outcome.calls,
                cached=outcome.cached,
                usage=Usage(outcome.prompt_tokens, outcome.completion_tokens),
            )

    def _insert_drafts(
        self, w: Writer, course_id: str, part: SectionInput, drafts: Sequence[CardDraft], origin: str, *, held: bool
    ) -> list[str]:
        from aksio.notes import ords_for
        from aksio.storage import cards as card_rows

        notes, ords = [], []
        for d in drafts:
            ords.append(ords_for(d.kind, d.front, d.back))
            notes.append(
                {
                    "kind": d.kind,
                    "front": d.front.strip(),
                    "back": d.back.strip(),
                    "tags": "[]",
                    "origin": origin,
                    "section_id": part.section_id,
                    "source_document_id": part.document_id,
                    "source_page": d.page,
                    "source_quote": d.quote,
                }
            )
        if not notes:
            return []
        return card_rows.insert_notes(w, course_id, notes, ords, held=held)[0]

    def _duplicate_index(self, what: What, course_id: str) -> DuplicateIndex:
        from aksio.generate.checks import DuplicateIndex

        rows = (
            gen_rows.card_texts(self.db, course_id) if what == "cards" else gen_rows.question_texts(self.db, course_id)
        )
        return DuplicateIndex(rows)

    def _section_id(self, course_id: str, document_id: str | None, ref: str) -> str:
        found = gen_rows.find_sections(self.db, course_id, document_id, ref.strip())
        return one_of(
            [f[0] for f in found], ref, "section", [f"{f[1]} ({f[0][-8:]})" for f in found], "use the id", "doc show"
        )


class _PrimedCache:
    """The response cache as a worker sees it: answers read beforehand in the main thread, new ones kept for
    the main thread to store (one SQLite connection is used from one thread only)."""

    def __init__(self, reads: dict[str, CachedResponse]) -> None:
        self._reads = reads
        self.new_entries: list[tuple[str, CachedResponse]] = []

    def get(self, key: str) -> CachedResponse | None:
        return self._reads.get(key)

    def put(self, key: str, provider: str, model: str, text: str, usage: Usage) -> None:
        self.new_entries.append((key, CachedResponse(provider=provider, model=model, text=text, usage=usage)))


def _prompt(
    what: What, part: SectionInput, count: int, kind: str
) -> tuple[list[Message], type[CardDrafts] | type[QuestionDrafts]]:
    from aksio.generate.items import CardDrafts, QuestionDrafts

    if what == "cards":
        return card_messages(part, count, kind), CardDrafts
    return question_messages(part, count), QuestionDrafts


def _prompt_key(provider: Provider, what: What, part: SectionInput, count: int, kind: str) -> str:
    """The response-cache key ``ask_structured`` will use for this part."""
    from aksio.llm.reliability import cache_key

    messages, schema_model = _prompt(what, part, count, kind)
    return cache_key(provider.name, provider.model, messages, schema_model.model_json_schema())


def _offline_outcome(
    what: What,
    part: SectionInput,
    count: int,
    kind: CardKind,
    terms: list[str],
    rng: random.Random,
    furniture: Furniture | None,
) -> _Outcome:
    from aksio.generate.offline import offline_cards, offline_questions

    if what == "cards":
        return _Outcome(drafts=list(offline_cards(part, limit=count, kind=kind, rng=rng, furniture=furniture)))
    questions = offline_questions(part, limit=count, rng=rng, course_terms=terms, furniture=furniture)
    return _Outcome(drafts=list(questions))


def _furniture(pages: dict[tuple[str, int], str]) -> dict[str, Furniture]:
    """Each document's page furniture, read from all its pages (a section alone may be one slide)."""
    from aksio.generate.furniture import furniture_of

    by_document: dict[str, list[tuple[int, str]]] = {}
    for (document_id, page), text in pages.items():
        by_document.setdefault(document_id, []).append((page, text))
    return {d: furniture_of([text for _, text in sorted(found)]) for d, found in by_document.items()}


def _course_terms(sections: Sequence[SectionInput], furniture: dict[str, Furniture]) -> list[str]:
    from aksio.generate.offline import extract_terms

    seen: dict[str, str] = {}
    for s in sections:
        for term in extract_terms(s, furniture.get(s.document_id)):
            seen.setdefault(term.casefold(), term)
    return list(seen.values())


def _item(item_id: str, draft: CardDraft | QuestionDraft, part: SectionInput) -> GeneratedItem:
    from aksio.generate.items import CardDraft

    if isinstance(draft, CardDraft):
        front, back, choices = draft.front, draft.back, []
    else:
        front, back, choices = draft.prompt, draft.answer, list(draft.choices)
    return GeneratedItem(
        id=item_id,
        kind=draft.kind,
        front=front,
        back=back,
        choices=choices,
        document_id=part.document_id,
        page=draft.page,
        quote=draft.quote,
        section_title=part.section_title,
    )


def _question_row(draft: QuestionDraft, part: SectionInput, origin: str) -> dict[str, Any]:
    return {
        "section_id": part.section_id,
        "kind": draft.kind,
        "prompt": draft.prompt.strip(),
        "choices": list(draft.choices),
        "answer": draft.answer.strip(),
        "explanation": draft.explanation.strip(),
        "difficulty": draft.difficulty,
        "source_document_id": part.document_id,
        "source_page": draft.page,
        "source_quote": draft.quote,
        "origin": origin,
    }
