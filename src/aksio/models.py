"""Pydantic models shared by every layer. Their field names are the documented keys of ``--json`` output."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from aksio.modelbase import Model


class CourseScheduling(Model):
    """A course's FSRS options besides desired retention and the new-card limit."""

    maximum_interval: int = Field(36500, ge=1, description="longest interval in days")
    learning_steps: list[int] = Field(default_factory=lambda: [1, 10], description="minutes")
    relearning_steps: list[int] = Field(default_factory=lambda: [10], description="minutes")
    fuzz: bool = True
    parameters: list[float] | None = Field(None, description="fitted FSRS-6 weights; null = defaults")


class Course(Model):
    id: str
    name: str
    code: str | None = None
    description: str = ""
    exam_date: date | None = None
    desired_retention: float = 0.9
    daily_new_limit: int = 20
    srs: CourseScheduling = Field(default_factory=CourseScheduling)
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)
    archived: bool = False
    document_count: int = 0
    page_count: int = 0
    created_at: str
    updated_at: str


class Document(Model):
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
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)
    created_at: str


class Section(Model):
    id: str
    title: str
    level: int
    page_start: int
    page_end: int
    parent_id: str | None = None
    children: list[Section] = Field(default_factory=list)


class DocumentDetail(Document):
    sections: list[Section] = Field(default_factory=list)


class SearchHit(Model):
    chunk_id: str
    course_id: str
    course_name: str
    document_id: str
    document_title: str
    section_id: str | None
    section_title: str | None
    page: int
    snippet: str = Field(description="the matching passage, plain text")
    highlights: list[tuple[int, int]] = Field(
        default_factory=list, description="[start, end) character offsets of the matched terms in snippet"
    )
    score: float = Field(description="bm25 relevance, higher is better")


class ImportedFile(Model):
    path: str
    document_id: str
    title: str
    kind: str
    page_count: int
    section_count: int
    chunk_count: int
    warnings: list[str] = Field(default_factory=list)


class SkippedFile(Model):
    path: str
    reason: str
    document_id: str | None = None


class FailedFile(Model):
    path: str
    reason: str


class ImportReport(Model):
    course_id: str
    course_name: str
    imported: list[ImportedFile] = Field(default_factory=list)
    skipped: list[SkippedFile] = Field(default_factory=list)
    failed: list[FailedFile] = Field(default_factory=list)


class Source(Model):
    document_id: str | None = None
    page: int | None = None
    quote: str | None = None


class CardState(Model):
    """Where a card stands in scheduling (a cache rebuilt from the review log)."""

    queue: str = Field(description="new | learning | review | suspended")
    due: str | None = Field(None, description="ISO time the card is due; null for new cards")
    stability: float | None = None
    difficulty: float | None = None
    reps: int = 0
    lapses: int = 0
    last_review: str | None = None


class Card(Model):
    id: str
    note_id: str
    course_id: str
    course_name: str
    kind: str = Field(description="basic | reverse | cloze")
    ord: int = Field(description="0 front->back, 1 back->front (reverse), n = cloze deletion n")
    front: str = Field(description="the question as shown")
    back: str = Field(description="the answer as shown")
    note_front: str
    note_back: str
    tags: list[str] = Field(default_factory=list)
    flag: int = 0
    suspended: bool = False
    buried_until: str | None = None
    origin: str = "manual"
    section_id: str | None = None
    source: Source | None = None
    state: CardState
    created_at: str
