"""What a reader sees of a document: the text of a section (and its sub-sections) or of the whole document,
page by page."""

from __future__ import annotations

from aksio.storage.db import Database
from aksio.storage.documents import IN_SECTION_TREE, add_to_page


def section_pages(db: Database, document_id: str, section_id: str | None) -> list[tuple[int, str]]:
    """(page, text) of the document's live chunks in ``section_id`` and everything nested in it, or of the whole
    document when ``section_id`` is None, in page order; a page's chunks are joined as its blocks are."""
    sql = "SELECT k.page, k.text, d.kind FROM chunk k JOIN document d ON d.id = k.document_id "
    sql += "WHERE k.document_id = ? AND k.deleted = 0 AND d.deleted = 0"
    params: list[str] = [document_id]
    if section_id is not None:
        sql += " AND " + IN_SECTION_TREE  # a parent section spans its children
        params.append(section_id)
    pages: list[tuple[int, str]] = []
    for page, text, kind in db.conn.execute(sql + " ORDER BY k.page, k.ord", params):
        add_to_page(pages, page, text, kind)
    return pages


def section_belongs(db: Database, document_id: str, section_id: str) -> bool:
    """Whether ``section_id`` is a live section of the document."""
    row = db.query_one(
        "SELECT 1 FROM section WHERE id = ? AND document_id = ? AND deleted = 0", (section_id, document_id)
    )
    return row is not None


def document_title(db: Database, document_id: str) -> tuple[str, bool] | None:
    """A document's title and whether it was deleted (a card made from it outlives it); None: no such document."""
    row = db.query_one("SELECT title, deleted FROM document WHERE id = ?", (document_id,))
    return (str(row[0]), bool(row[1])) if row else None
