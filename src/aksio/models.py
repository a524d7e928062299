"""Records shared by every layer (msgspec Structs, see ``aksio.records``). Their field names are the documented keys
of ``--json`` output."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from msgspec import field

from aksio.records import Record, bounds


class CourseScheduling(Record, kw_only=True):
    """A course's FSRS options besides desired retention and the new-card limit."""

    maximum_interval: Annotated[int, bounds(ge=1, le=36500, doc="longest interval in days (at most 100 years)")] = 36500
    learning_steps: list[int] = field(default_factory=lambda: [1, 10])  # minutes
    relearning_steps: list[int] = field(default_factory=lambda: [10])  # minutes
    fuzz: bool = True
    parameters: list[float] | None = None  # fitted FSRS-6 weights; null = defaults


class Course(Record, kw_only=True):
    id: str
    name: str
    code: str | None = None
    description: str = ""
    exam_date: date | None = None
    desired_retention: float = 0.9
    daily_new_limit: int = 20
    srs: CourseScheduling = field(default_factory=CourseScheduling)
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    archived: bool = False
    document_count: int = 0
    page_count: int = 0
    created_at: str
    updated_at: str


class Document(Record, kw_only=True):
    id: str
    course_id: str
    course_name: str
    title: str
    filename: str
    kind: str
    mime: str
    sha256: str
    size: int
    page_count: int
    section_count: int = 0
    chunk_count: int = 0
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    created_at: str


class Section(Record, kw_only=True):
    id: str
    title: str
    level: int
    page_start: int
    page_end: int
    parent_id: str | None = None
    children: list[Section] = field(default_factory=list)


class DocumentDetail(Document, kw_only=True):
    sections: list[Section] = field(default_factory=list)


class SearchHit(Record, kw_only=True):
    chunk_id: str
    course_id: str
    course_name: str
    document_id: str
    document_title: str
    section_id: str | None
    section_title: str | None
    page: int
    snippet: str  # the matching passage, plain text
    # [start, end) character offsets of the matched terms in snippet
    highlights: list[tuple[int, int]] = field(default_factory=list)
    score: float  # bm25 relevance, higher is better


class ImportedFile(Record, kw_only=True):
    path: str
    document_id: str
    title: str
    kind: str
    page_count: int
    section_count: int
    chunk_count: int
    warnings: list[str] = field(default_factory=list)


class SkippedFile(Record, kw_only=True):
    path: str
    reason: str
    document_id: str | None = None


class FailedFile(Record, kw_only=True):
    path: str
    reason: str


class ImportReport(Record, kw_only=True):
    course_id: str
    course_name: str
    imported: list[ImportedFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)


class Source(Record, kw_only=True):
    document_id: str | None = None
    page: int | None = None
    quote: str | None = None


class CardState(Record, kw_only=True):
    """Where a card stands in scheduling (a cache rebuilt from the review log)."""

    queue: str  # new | learning | review | suspended
    due: str | None = None  # ISO time the card is due; null for new cards
    stability: float | None = None
    difficulty: float | None = None
    reps: int = 0
    lapses: int = 0
    last_review: str | None = None


class Card(Record, kw_only=True):
    id: str
    note_id: str
    course_id: str
    course_name: str
    kind: str  # basic | reverse | cloze
    ord: int  # 0 front->back, 1 back->front (reverse), n = cloze deletion n
    front: str  # the question as shown
    back: str  # the answer as shown
    note_front: str
    note_back: str
    tags: list[str] = field(default_factory=list)
    flag: int = 0
    suspended: bool = False
    buried_until: str | None = None
    origin: str = "manual"
    section_id: str | None = None
    source: Source | None = None
    state: CardState
    created_at: str


class SectionInput(Record, kw_only=True):
    """The text of one section of a document, page by page (page numbers 1-based, as in the document)."""

    document_id: str
    document_title: str
    section_id: str | None
    section_title: str
    pages: list[tuple[int, str]]
