"""The demo course: a sample document written for Aksio, shipped in the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aksio.service import Aksio

DEMO_COURSE = "Operating Systems (demo)"
DEMO_FILE = "operating-systems.md"


def sample_path() -> Path:
    return Path(str(resources.files("aksio.demo").joinpath(DEMO_FILE)))


def ensure_demo(aksio: Aksio) -> dict[str, Any]:
    """Create the demo course and import the sample document, unless they are already there."""
    from aksio.errors import NotFound

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
    return {
        "data_dir": str(aksio.paths.home),
        "course": aksio.course(course.id).model_dump(mode="json"),
        "document": document.model_dump(mode="json", exclude={"sections"}),
        "created": bool(report.imported),
    }
