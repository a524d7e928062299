"""The course screen through Textual's pilot: the section tree with pages, reading a section, searching and
jumping to a hit's page, importing through the modal (a PDF, and an empty one that fails with its reason),
and picking a course first when none is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pymupdf
import pytest
from rich.text import Text
from textual.color import Color
from textual.widgets import Input, OptionList, ProgressBar, Static, Tree

from aksio.demo import sample_path
from aksio.preview import section_text
from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.screens.course import CourseScreen, ImportScreen
from aksio_tui.widgets.page_preview import PagePreview
from aksio_tui.widgets.path_picker import PathPicker
from tests.tui.pilot import loaded as settle
from tests.tui.pilot import run


def with_lecture(core: Aksio) -> str:
    """Biology with the demo lecture (Markdown, 2 pages, 11 sections) imported; its id."""
    assert core.import_paths([sample_path()], "Biology").imported
    return core.course("Biology").id


def labels(tree: Tree[Any]) -> list[str]:
    return [str(n.label) for n in nodes(tree.root)]


def nodes(node: Any) -> list[Any]:
    out = []
    for child in node.children:
        out.append(child)
        out += nodes(child)
    return out


def course_screen(app: AksioApp) -> CourseScreen:
    assert isinstance(app.screen, CourseScreen)
    return app.screen


def preview_text(app: AksioApp) -> str:
    return course_screen(app).query_one(PagePreview).text()


def pdf_with(path: Path, text: str) -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), text, fontsize=11)
    doc.save(path)
    doc.close()
    return path


def test_the_tree_shows_documents_and_sections_with_their_pages(core: Aksio) -> None:
    app = AksioApp(core, course=with_lecture(core), start="course")

    async def flow(pilot: Any) -> None:
        screen = course_screen(app)
        shown = labels(screen.query_one("#sections", Tree))
        # the document, then its sections: the one top heading, the document's own title, is not repeated
        assert len(shown) == 1 + 10
        assert shown[0] == "Operating Systems: A Short Course  pp. 1–2"
        assert shown[1] == "1. Processes and threads  p. 1"
        assert "1.1 Inter-process communication  p. 1" in shown
        assert "4. Memory management  pp. 1–2" in shown
        assert "4.3 Page replacement  p. 2" in shown
        assert "Biology" in screen.sub_title and "1 document(s)" in screen.sub_title

    run(app, flow)


def test_a_document_without_headings_is_a_leaf_and_one_with_them_opens(core: Aksio, tmp_path: Path) -> None:
    course = with_lecture(core)
    core.import_paths([pdf_with(tmp_path / "cells.pdf", "Mitochondria make ATP.")], course)
    app = AksioApp(core, course=course, start="course")

    async def flow(pilot: Any) -> None:
        documents = {
            str(n.label).split("  ")[0]: n for n in course_screen(app).query_one("#sections", Tree).root.children
        }
        assert not documents["cells"].allow_expand  # no ▼ opening onto nothing
        assert documents["Operating Systems: A Short Course"].allow_expand

    run(app, flow)


def test_selecting_a_section_previews_its_text_page_by_page(core: Aksio) -> None:
    app = AksioApp(core, course=with_lecture(core), start="course")

    async def flow(pilot: Any) -> None:
        tree = course_screen(app).query_one("#sections", Tree)
        assert "page 1" in preview_text(app) and "page 2" in preview_text(app)  # the document opens first
        await pilot.press("down")  # from the document to "1. Processes and threads"
        await settle(pilot)
        assert tree.cursor_node is not None and str(tree.cursor_node.label).startswith("1. Processes")
        text = preview_text(app)
        assert text.startswith("1. Processes and threads · p. 1")
        assert "program in execution" in text and "page 2" not in text
        assert "Inter-process communication" in text  # a parent section spans its children
        paging = next(n for n in nodes(tree.root) if str(n.label).startswith("4.1 Paging"))
        tree.move_cursor(paging)
        await settle(pilot)
        assert "fixed-size frames" in preview_text(app) and "page 2" in preview_text(app)

    run(app, flow)


def test_a_section_text_comes_page_by_page_with_its_sub_sections(core: Aksio) -> None:
    course = with_lecture(core)
    doc = core.document(core.documents(course)[0].id)
    memory = next(s for s in doc.sections[0].children if s.title.startswith("4."))
    pages = section_text(core, doc.id, memory.id)
    assert [p for p, _ in pages] == [1, 2]
    assert "Thrashing" in pages[1][1]  # from 4.2 Virtual memory, a child of 4.
    whole = section_text(core, doc.id, None)
    assert [p for p, _ in whole] == [1, 2] and len(whole[1][1]) > len(pages[1][1])


def test_search_shows_hits_with_highlights_and_enter_jumps_to_the_page(core: Aksio) -> None:
    app = AksioApp(core, course=with_lecture(core), start="course")

    async def flow(pilot: Any) -> None:
        screen = course_screen(app)
        await pilot.press("slash", *"thrashing", "enter")
        await settle(pilot)
        hits = screen.query_one("#hits", OptionList)
        assert hits.display and hits.has_focus and hits.option_count == len(screen.hits) >= 1
        first = screen.hits[0]
        prompt = hits.get_option_at_index(0).prompt
        assert "4.2 Virtual memory" in str(prompt) and f"p. {first.page}" in str(prompt)
        assert any("reverse" in str(span.style) and "bold" in str(span.style) for span in prompt.spans)  # type: ignore[union-attr]
        assert "1 hit(s) for 'thrashing'" in str(screen.query_one("#hits-status", Static).render())
        await pilot.press("enter")
        await settle(pilot)
        assert not hits.display
        tree = screen.query_one("#sections", Tree)
        assert tree.cursor_node is not None and tree.cursor_node.data == (first.document_id, first.section_id)
        assert str(tree.cursor_node.label).startswith("4.2 Virtual memory")
        preview = screen.query_one(PagePreview)
        assert preview.marked == first.page and f"▶ page {first.page}" in preview.text()
        assert "Thrashing" in preview.text()

    run(app, flow)


def test_a_hit_reads_without_markdown_stars_and_hits_are_ruled_apart(core: Aksio) -> None:
    app = AksioApp(core, course=with_lecture(core), start="course")

    async def flow(pilot: Any) -> None:
        screen = course_screen(app)
        await pilot.press("slash", *"deadlock", "enter")  # the lecture has **deadlock** in bold
        await settle(pilot)
        hits = screen.query_one("#hits", OptionList)
        prompt = hits.get_option_at_index(0).prompt
        assert isinstance(prompt, Text)
        assert "**" not in prompt.plain and "A deadlock is" in prompt.plain
        marked = [prompt.plain[s.start : s.end] for s in prompt.spans if "reverse" in str(s.style)]
        assert marked and all(word.casefold() == "deadlock" for word in marked)
        await pilot.press("slash", *"page", "enter")  # several hits: a rule between each two
        await settle(pilot)
        assert hits.option_count == len(screen.hits) > 1
        assert hits.virtual_size.height >= 3 * hits.option_count - 1  # two lines a hit at least, and the rules

    run(app, flow)


def test_a_hit_in_the_top_heading_opens_the_document(core: Aksio) -> None:
    app = AksioApp(core, course=with_lecture(core), start="course")

    async def flow(pilot: Any) -> None:
        screen = course_screen(app)
        tree = screen.query_one("#sections", Tree)
        await pilot.press("down", "down")  # away from the document
        await pilot.press("slash", *"introductory", "enter")
        await settle(pilot)
        assert [h.section_title for h in screen.hits] == ["Operating Systems: A Short Course"]
        await pilot.press("enter")
        await settle(pilot)
        assert tree.cursor_node is not None and tree.cursor_node.data == (screen.hits[0].document_id, None)
        preview = screen.query_one(PagePreview)
        assert preview.marked == 1 and preview.text().startswith("Operating Systems: A Short Course · pp. 1–2")

    run(app, flow)


def test_a_search_with_no_hits_says_so_and_escape_closes_it(core: Aksio) -> None:
    app = AksioApp(core, course=with_lecture(core), start="course")

    async def flow(pilot: Any) -> None:
        screen = course_screen(app)
        await pilot.press("slash", *"photosynthesis", "enter")
        await settle(pilot)
        assert "Nothing in this course matches 'photosynthesis'" in str(
            screen.query_one("#hits-status", Static).render()
        )
        await pilot.press("escape")
        assert not screen.query_one("#hits").display and screen.query_one(PagePreview).display
        assert screen.query_one("#course-search", Input).value == ""
        assert app.screen is screen and screen.query_one("#sections").has_focus
        await pilot.press("escape")
        assert not isinstance(app.screen, CourseScreen)  # back to the dashboard

    run(app, flow)


def test_importing_a_pdf_through_the_modal(core: Aksio, tmp_path: Path) -> None:
    pdf = pdf_with(tmp_path / "cells.pdf", "Mitochondria make most of the cell's ATP.")
    app = AksioApp(core, course=core.course("Biology").id, start="course")

    async def flow(pilot: Any) -> None:
        screen = course_screen(app)
        assert "No documents yet" in preview_text(app)
        await pilot.press("i")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ImportScreen)
        modal.query_one("#import-path", Input).value = str(pdf)
        bar = modal.query_one("#import-progress", ProgressBar)
        steps: list[tuple[float | None, float | None]] = []
        update = bar.update

        def watch(**values: Any) -> None:
            if "total" in values and "progress" in values:  # the screen's calls, not the bar's own
                steps.append((values["total"], values["progress"]))
            update(**values)

        bar.update = watch  # type: ignore[method-assign]
        await pilot.press("enter")
        await settle(pilot)
        size = pdf.stat().st_size
        assert steps[0] == (None, 0) and steps[-1] == (size, size)  # started unknown, ended full
        assert len(steps) >= 3 and not bar.display
        result = str(modal.query_one("#import-result", Static).render())
        assert "1 imported · 0 skipped · 0 failed" in result
        assert "✓ imported cells: 1 page(s)" in result
        assert labels(screen.query_one("#sections", Tree))[0].startswith("cells")  # refreshed under the modal
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert "Mitochondria make most" in preview_text(app)

    run(app, flow)
    assert [d.filename for d in core.documents("Biology")] == ["cells.pdf"]


def test_the_modal_picks_a_path_in_the_folder_tree(
    core: Aksio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = tmp_path / "me"
    me.mkdir()
    monkeypatch.setenv("HOME", str(me))
    pdf_with(me / "cells.pdf", "Ribosomes make proteins.")
    app = AksioApp(core, course=core.course("Biology").id, start="course")

    async def flow(pilot: Any) -> None:
        await pilot.press("i")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ImportScreen)
        box = modal.query_one("#import-path", Input)
        assert box.value == "~"
        modal.query_one("#import-tree").focus()
        await pilot.press("down", "enter")  # the root, then its one file
        await settle(pilot)
        assert box.value == "~/cells.pdf" and box.has_focus
        await pilot.press("enter")
        await settle(pilot)
        assert "✓ imported cells" in str(modal.query_one("#import-result", Static).render())

    run(app, flow)
    assert [d.filename for d in core.documents("Biology")] == ["cells.pdf"]


def test_a_folder_typed_in_the_box_opens_in_the_tree(
    core: Aksio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me, elsewhere = tmp_path / "me", tmp_path / "usb"
    (me / "term1").mkdir(parents=True)
    elsewhere.mkdir()
    pdf_with(elsewhere / "cells.pdf", "Ribosomes make proteins.")
    monkeypatch.setenv("HOME", str(me))
    app = AksioApp(core, course=core.course("Biology").id, start="course")

    async def flow(pilot: Any) -> None:
        await pilot.press("i")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ImportScreen)
        tree = modal.query_one("#import-tree", PathPicker)
        tree.focus()
        await pilot.press("down", "enter")  # a folder picked in the tree: into the box, the tree stays at home
        await settle(pilot)
        assert modal.query_one("#import-path", Input).value == "~/term1"
        assert Path(tree.path) == me
        modal.query_one("#import-path", Input).value = str(elsewhere)  # typed: outside home, out of the tree's reach
        await settle(pilot)
        assert Path(tree.path) == elsewhere
        tree.focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert modal.query_one("#import-path", Input).value == str(elsewhere / "cells.pdf")
        await pilot.press("enter")
        await settle(pilot)
        assert "✓ imported cells" in str(modal.query_one("#import-result", Static).render())

    run(app, flow)


def test_an_empty_pdf_fails_with_its_reason_and_a_second_import_is_skipped(core: Aksio, tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    app = AksioApp(core, course=with_lecture(core), start="course")

    async def flow(pilot: Any) -> None:
        for path, expected in ((empty, "✗ failed empty.pdf: "), (sample_path(), "– skipped operating-systems.md: ")):
            await pilot.press("i")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, ImportScreen)
            modal.query_one("#import-path", Input).value = str(path)
            await pilot.press("enter")
            await settle(pilot)
            result = str(modal.query_one("#import-result", Static).render())
            assert "0 imported" in result and expected in result
            await pilot.press("escape")
            await settle(pilot)
        assert isinstance(app.screen, CourseScreen)

    run(app, flow)
    failed = core.import_paths([empty], "Biology").failed
    assert failed and "empty" in failed[0].reason


def test_without_a_course_a_picker_comes_first(core: Aksio) -> None:
    with_lecture(core)
    app = AksioApp(core)

    async def flow(pilot: Any) -> None:
        app.action_go("course", course=None)
        await settle(pilot)
        screen = course_screen(app)
        picker = screen.query_one("#course-picker", OptionList)
        assert picker.display and not screen.query_one("#course-main").display
        assert [str(picker.get_option_at_index(i).prompt).split("  ")[0] for i in range(2)] == [
            "Biology BIO101",
            "Chemistry",
        ]
        await pilot.press("i")  # nothing to import into yet
        assert app.screen is screen
        await pilot.press("enter")
        await settle(pilot)
        assert screen.course_id == core.course("Biology").id
        assert labels(screen.query_one("#sections", Tree))[0].startswith("Operating Systems")

    run(app, flow)


def test_keys_lead_to_study_generate_and_cards_of_the_course(core: Aksio) -> None:
    course = with_lecture(core)
    app = AksioApp(core, course=course, start="course")
    went: list[tuple[str, dict[str, Any]]] = []
    app.action_go = lambda name, **options: went.append((name, options))  # type: ignore[method-assign]

    async def flow(pilot: Any) -> None:
        await pilot.press("s", "g", "b")
        assert went == [("review", {"course": course}), ("generate", {"course": course}), ("cards", {"course": course})]

    run(app, flow)


def _contrast(a: Color, b: Color) -> float:
    def luminance(c: Color) -> float:
        parts = [x / 255 for x in (c.r, c.g, c.b)]
        r, g, b_ = (p / 12.92 if p <= 0.03928 else ((p + 0.055) / 1.055) ** 2.4 for p in parts)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("theme", ["aksio-dark", "aksio-light"])
def test_the_tree_guides_show_in_both_themes(core: Aksio, theme: str) -> None:
    core.settings.tui.theme = theme
    app = AksioApp(core, course=with_lecture(core), start="course")

    async def flow(pilot: Any) -> None:
        tree = course_screen(app).query_one("#sections", Tree)
        guides = tree.get_component_rich_style("tree--guides").color
        background = tree.rich_style.bgcolor
        assert guides is not None and background is not None
        # Textual's lightened surface was 1.1:1 on the light theme: the nesting could not be seen
        assert _contrast(Color.from_rich_color(guides), Color.from_rich_color(background)) >= 3

    run(app, flow)
