"""The demo course: a sample document written for Aksio, shipped in the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aksio.service import Aksio

DEMO_COURSE = "Operating Systems (demo)"
DEMO_FILE = "operating-systems.md"

# (kind, front, back, quote from the sample document that the card rests on)
DEMO_CARDS: list[tuple[str, str, str, str]] = [
    ("basic", "What is a process?", "A program in execution.", "A **process** is a program in execution."),
    (
        "basic",
        "What does a thread have of its own that other threads of its process do not share?",
        "Its stack, program counter and registers.",
        "each thread has its own stack, program counter and registers",
    ),
    (
        "cloze",
        "A {{c1::context switch}} saves the state of the running thread and restores the state of the next one.",
        "",
        "saves the state of the running thread and restores the state of the next one",
    ),
    (
        "basic",
        "Which effect makes short jobs wait behind a long one under FCFS?",
        "The convoy effect.",
        "It suffers from the convoy effect",
    ),
    (
        "basic",
        "How does aging prevent starvation?",
        "It slowly raises the priority of threads that have waited long.",
        "**Aging** prevents starvation by slowly raising the",
    ),
    (
        "cloze",
        "Deadlock needs four conditions at once: {{c1::mutual exclusion}}, {{c2::hold and wait}}, "
        "{{c3::no preemption}} and {{c4::circular wait}}.",
        "",
        "mutual exclusion, hold and wait, no preemption and",
    ),
    (
        "reverse",
        "TLB",
        "A small, fast cache of recent page-table entries",
        "is a small, fast cache of recent page-table entries",
    ),
    (
        "basic",
        "What is Belady's anomaly?",
        "With FIFO replacement, more frames can cause more page faults.",
        "more frames can cause more",
    ),
    ("basic", "什么是死锁？", "一组线程中的每一个都在等待另一个线程持有的资源。", "每一个都在等待另一个线程持有的资源"),
]


def sample_path() -> Path:
    return Path(str(resources.files("aksio.demo").joinpath(DEMO_FILE)))


def ensure_demo(aksio: Aksio) -> dict[str, Any]:
    """Create the demo course and import the sample document, unless they are already there."""
    from aksio.errors import NotFound
    from aksio.records import plain

    try:
        course = aksio.course(DEMO_COURSE)
    except NotFound:
        course = aksio.add_course(
            DEMO_COURSE,
            code="OS-DEMO",
            description="A short operating systems course, to try Aksio with.",
            tags=["demo"],
        )
    report = aksio.import_paths([sample_path()], course.id, tags=["demo"])
    if report.failed:
        from aksio.errors import AksioError

        raise AksioError(f"the demo document could not be imported: {report.failed[0].reason}")
    doc_id = report.imported[0].document_id if report.imported else report.skipped[0].document_id
    assert doc_id is not None
    document = aksio.document(doc_id)
    generated = 0
    if not aksio.cards(course.id, limit=1):
        _add_demo_cards(aksio, course.id, doc_id)
        # and what the offline generator makes of the same notes (no model needed); near-duplicates of the
        # hand-written cards are dropped by the generator's checks; the demo is there to be studied at once, so
        # they are not held for review as generated cards otherwise are
        generated = aksio.generate("cards", course.id, provider="offline", per_section=4, hold=False).kept
    return {
        "data_dir": str(aksio.paths.home),
        "course": plain(aksio.course(course.id)),
        "document": {k: v for k, v in plain(document).items() if k != "sections"},
        "created": bool(report.imported),
        "cards": len(aksio.cards(course.id)),
        "generated": generated,
    }


def _add_demo_cards(aksio: Aksio, course_id: str, doc_id: str) -> None:
    """Hand-written cards on the sample document, each citing the page and words it rests on."""
    from aksio.storage.documents import locate

    for kind, front, back, quote in DEMO_CARDS:
        found = locate(aksio.db, doc_id, quote)
        if found is None:  # the sample and its cards are written together; a mismatch is our bug
            raise AssertionError(f"demo card quote not in the sample document: {quote!r}")
        page, section_id = found
        aksio.add_card(
            course_id,
            front,
            back,
            kind=kind,
            tags=["demo"],
            origin="demo",
            section_id=section_id,
            source={"document_id": doc_id, "page": page, "quote": quote},
        )
