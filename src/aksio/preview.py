"""Reading a course's documents in a front end: a section's text page by page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aksio.errors import NotFound
from aksio.storage import documents as document_rows
from aksio.storage import preview as preview_rows

if TYPE_CHECKING:
    from aksio.service import Aksio


def section_text(aksio: Aksio, document_id: str, section_id: str | None) -> list[tuple[int, str]]:
    """(page, text) of a section and its sub-sections, or of the whole document when ``section_id`` is None."""
    if document_rows.get(aksio.db, document_id) is None:
        raise NotFound(f"no document {document_id!r}")
    if section_id is not None and not preview_rows.section_belongs(aksio.db, document_id, section_id):
        raise NotFound(f"no section {section_id!r} in that document")
    return preview_rows.section_pages(aksio.db, document_id, section_id)


def source_title(aksio: Aksio, document_id: str) -> str:
    """The title of the document a card cites, marked when the document was deleted: the cards made from a
    document are the student's and stay when it goes."""
    found = preview_rows.document_title(aksio.db, document_id)
    if found is None:
        raise NotFound(f"no document {document_id!r}")
    title, deleted = found
    return f"{title} (deleted)" if deleted else title
