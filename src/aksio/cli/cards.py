"""Card, study and scheduling commands."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from aksio.cli.app import CourseOpt, JsonOpt, TagOpt, _open, app
from aksio.cli.output import console, markup, print_json, short
from aksio.clock import iso
from aksio.control_chars import printable

if TYPE_CHECKING:
    from rich.text import Text

    from aksio.models import Card

card_app = typer.Typer(help="Add, list, edit, suspend and import flashcards.", no_args_is_help=True)
app.add_typer(card_app, name="card")

CardArg = Annotated[str, typer.Argument(help="Card id (the short id from `card list` works).")]
AtOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--at", help="When the answer happened (ISO time, e.g. 2026-03-01T09:30:00Z); default now."),
]


def _card_line(card: Card, now: str, said: str = "") -> Text:
    """One line for a card after ``said`` (what was done to it); ``now``: the ISO time it is buried until later
    than to list it as buried."""
    state = card.state.queue
    if card.buried_until and card.buried_until > now:
        state = "buried"
    due = f" due {card.state.due[:10]}" if card.state.due and state not in ("suspended", "buried") else ""
    head = f"{said}{short(card.id)}  {card.kind:<7} {state:<9}{due}  "
    room = max(console().width - len(head) - 1, 20)  # one line per card, however wide the terminal
    front = " ".join(printable(card.front).split())
    front = front if len(front) <= room else front[: room - 1] + "…"
    return markup("{}{}  [dim]{:<7} {:<9}{}[/]  {}", said, short(card.id), card.kind, state, due, front)


@card_app.command("add")
def card_add(
    course: Annotated[str, typer.Option("--course", "-c", help="Course name, code or id.")],
    front: Annotated[str, typer.Option("--front", "-f", help="Question (cloze: text with {{c1::...}}).")],
    back: Annotated[str, typer.Option("--back", "-b", help="Answer (cloze: optional extra).")] = "",
    kind: Annotated[str, typer.Option("--kind", "-k", help="basic, reverse or cloze.")] = "basic",
    tag: TagOpt = None,
    json: JsonOpt = False,
) -> None:
    """Add a flashcard (reverse makes two cards, cloze one per deletion)."""
    with _open() as aksio:
        cards = aksio.add_card(course, front, back, kind=kind, tags=tag or [])
        now = iso(aksio.now())
    if json:
        print_json({"cards": cards})
        return
    for card in cards:
        console().print(_card_line(card, now, "added "))


@card_app.command("list")
def card_list(
    course: CourseOpt = None,
    due: Annotated[bool, typer.Option("--due", help="Only cards due by the end of today.")] = False,
    tag: Annotated[Optional[str], typer.Option("--tag", "-t", help="Only cards with this tag.")] = None,  # noqa: UP045
    origin: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Only cards of this origin: manual, import, generated, offline, ollama, openai/MODEL..."),
    ] = None,
    suspended: Annotated[
        Optional[bool], typer.Option("--suspended/--active", help="Only suspended, or only active, cards.")  # noqa: UP045
    ] = None,
    pending: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option("--pending/--accepted", help="Only generated cards held for review, or only the others."),
    ] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", help="At most this many.")] = None,  # noqa: UP045
    json: JsonOpt = False,
) -> None:
    """List cards."""
    with _open() as aksio:
        cards = aksio.cards(course, due=due, tag=tag, origin=origin, suspended=suspended, pending=pending, limit=limit)
        now = iso(aksio.now())
    if json:
        print_json({"cards": cards})
        return
    if not cards:
        console().print("No cards match.")
        return
    for card in cards:
        console().print(_card_line(card, now))
    console().print(markup("[dim]{} card(s)[/]", len(cards)))


@card_app.command("show")
def card_show(card: CardArg, json: JsonOpt = False) -> None:
    """Show a card with its source and scheduling state."""
    from aksio.errors import NotFound
    from aksio.preview import source_title

    with _open() as aksio:
        found = aksio.card(card)
        preview = aksio.preview(found.id) if not found.suspended else []
        title = None
        if found.source and found.source.document_id:
            try:
                title = source_title(aksio, found.source.document_id)
            except NotFound:  # a card merged from another device before its document
                title = None
    if json:
        print_json({"card": found, "next": preview, "source_title": title})
        return
    out = console()
    out.print(markup("[bold]{} card[/] {}  course {}", found.kind, found.id, found.course_name))
    out.print(markup("[bold]Front:[/] {}", found.front))
    out.print(markup("[bold]Back:[/]  {}", found.back))
    if found.tags:
        out.print("Tags: " + ", ".join(found.tags))
    if found.source:
        named = title or f"document {found.source.document_id}"
        out.print(markup("Source: {} p. {}: {}", named, found.source.page, repr(found.source.quote or "")))
    s = found.state
    out.print(
        f"State: {s.queue}, due {s.due or '-'}, stability {s.stability or 0:.2f}d, "
        f"difficulty {s.difficulty or 0:.2f}, reps {s.reps}, lapses {s.lapses}"
        + (f", flag {found.flag}" if found.flag else "")
    )
    if preview:
        out.print("Next: " + "  ".join(f"{p.rating} {p.name} {p.interval}" for p in preview))


@card_app.command("edit")
def card_edit(
    card: CardArg,
    front: Annotated[Optional[str], typer.Option("--front", "-f")] = None,  # noqa: UP045
    back: Annotated[Optional[str], typer.Option("--back", "-b")] = None,  # noqa: UP045
    tag: TagOpt = None,
    untag: Annotated[Optional[list[str]], typer.Option(help="Remove a tag.")] = None,  # noqa: UP045
    json: JsonOpt = False,
) -> None:
    """Edit a card's text or tags (its sibling cards share the note)."""
    with _open() as aksio:
        found = aksio.edit_card(card, front=front, back=back, add_tags=tag or [], remove_tags=untag or [])
        now = iso(aksio.now())
    if json:
        print_json(found)
        return
    console().print(_card_line(found, now, "updated "))


@card_app.command("rm")
def card_rm(card: CardArg, json: JsonOpt = False) -> None:
    """Delete a card and its siblings (the note). Its review history is kept."""
    with _open() as aksio:
        ids = aksio.delete_card(card)
    if json:
        print_json({"deleted": ids})
        return
    console().print(f"deleted {len(ids)} card(s): " + ", ".join(short(i) for i in ids))


def _toggle(card: str, json: bool, action: str) -> None:
    with _open() as aksio:
        if action == "suspend":
            found = aksio.suspend(card, True)
        elif action == "unsuspend":
            found = aksio.suspend(card, False)
        else:
            found = aksio.bury(card, action == "bury")
        now = iso(aksio.now())
    if json:
        print_json(found)
        return
    console().print(_card_line(found, now, f"{action} "))


@card_app.command("suspend")
def card_suspend(card: CardArg, json: JsonOpt = False) -> None:
    """Take a card out of study until unsuspended."""
    _toggle(card, json, "suspend")


@card_app.command("unsuspend")
def card_unsuspend(card: CardArg, json: JsonOpt = False) -> None:
    """Put a suspended card back into study."""
    _toggle(card, json, "unsuspend")


@card_app.command("bury")
def card_bury(card: CardArg, json: JsonOpt = False) -> None:
    """Hide a card until the next study day."""
    _toggle(card, json, "bury")


@card_app.command("unbury")
def card_unbury(card: CardArg, json: JsonOpt = False) -> None:
    """Put a buried card back into today's study."""
    _toggle(card, json, "unbury")


@card_app.command("flag")
def card_flag(
    card: CardArg,
    flag: Annotated[int, typer.Argument(help="0 clears, 1-7 are flag colours.")] = 1,
    json: JsonOpt = False,
) -> None:
    """Flag a card (0 clears the flag)."""
    with _open() as aksio:
        found = aksio.flag(card, flag)
        now = iso(aksio.now())
    if json:
        print_json(found)
        return
    console().print(_card_line(found, now, f"flag {flag} "))


@card_app.command("import")
def card_import(
    path: Annotated[Path, typer.Argument(help="CSV or TSV: front, back[, tags]; header optional.")],
    course: Annotated[str, typer.Option("--course", "-c", help="Course name, code or id.")],
    kind: Annotated[str, typer.Option("--kind", "-k", help="basic, reverse or cloze.")] = "basic",
    tag: TagOpt = None,
    again: Annotated[
        bool, typer.Option("--again", help="Import every row even if this file or its cards are in the course.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Import cards from a CSV/TSV file, all or nothing; a file imported before is skipped."""
    with _open() as aksio:
        report = aksio.import_cards(path, course, kind=kind, tags=tag or [], again=again)
    if json:
        print_json(report)
        return
    if report.skipped:
        console().print(markup("[yellow]skipped[/]: {}; --again imports it again", report.skipped))
        return
    left_out = f"; {report.duplicates} already in the course left out" if report.duplicates else ""
    console().print(f"imported {report.notes} note(s), {report.cards} card(s){left_out}")


@card_app.command("leeches")
def card_leeches(course: CourseOpt = None, json: JsonOpt = False) -> None:
    """Cards you keep forgetting (tagged leech)."""
    card_list(course=course, due=False, tag="leech", origin=None, suspended=None, limit=None, json=json)


# -- studying -------------------------------------------------------------------------------------


def _parse_at(at: str | None) -> datetime | None:
    if at is None:
        return None
    from datetime import UTC

    from aksio.errors import InvalidInput

    try:
        when = datetime.fromisoformat(at.replace("Z", "+00:00"))
        return when if when.tzinfo else when.astimezone().astimezone(UTC)
    except ValueError:
        raise InvalidInput(f"--at {at!r} is not an ISO time like 2026-03-01T09:30:00Z") from None
    except OverflowError:  # local time of year 1 or 9999 is out of datetime's range in UTC
        raise InvalidInput(f"--at {at!r} is too far from now") from None


@app.command("due")
def due(course: CourseOpt = None, json: JsonOpt = False) -> None:
    """What is due now: learning, review and new counts, and the next card."""
    with _open() as aksio:
        summary = aksio.due(course)
        now = iso(aksio.now())
    if json:
        print_json(summary)
        return
    c = summary.counts
    console().print(f"learning {c.learning}  review {c.review}  new {c.new}")
    if summary.next_card:
        console().print(_card_line(summary.next_card, now, "next: "))
    else:
        console().print("Nothing due. Well done.")


@app.command("answer")
def answer(
    card: CardArg,
    rating: Annotated[str, typer.Argument(help="again, hard, good, easy (or 1-4).")],
    at: AtOpt = None,
    json: JsonOpt = False,
) -> None:
    """Grade a card from a script."""
    with _open() as aksio:
        result = aksio.answer(card, rating, at=_parse_at(at))
    if json:
        print_json(result)
        return
    s = result.card.state
    note = "  [red]now a leech[/]" if result.became_leech else ""
    console().print(markup("{}: {}, due {}" + note, short(result.card.id), s.queue, s.due))


@app.command("undo")
def undo(json: JsonOpt = False) -> None:
    """Take back the last answer (repeat to go further back)."""
    with _open() as aksio:
        result = aksio.undo()
    if json:
        print_json(result)
        return
    console().print(f"undid rating {result.rating} of {short(result.card.id)} at {result.reviewed_at}")


@app.command("study")
def study(course: CourseOpt = None) -> None:
    """Study due cards in the terminal: space reveals, 1-4 grade, u undo, s suspend, b bury, q quit."""
    from aksio.cli.study_loop import run_study

    with _open() as aksio:
        run_study(aksio, course)


@app.command("optimize")
def optimize(
    course: Annotated[str, typer.Option("--course", "-c", help="Course name, code or id.")],
    force: Annotated[bool, typer.Option("--force", help="Apply the fitted parameters even if not better.")] = False,
    json: JsonOpt = False,
) -> None:
    """Fit FSRS parameters to a course's review history; applied only if they predict better."""
    with _open() as aksio:
        result = aksio.optimize(course, force=force)
    if json:
        print_json(result)
        return
    out = console()
    out.print(
        f"{result.n_reviews} reviews: log loss {result.log_loss_default:.4f} with current parameters, "
        f"{result.log_loss_fitted:.4f} fitted"
    )
    out.print("applied the fitted parameters" if result.applied else "kept the current parameters")


@app.command("doctor")
def doctor(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild every card's state from the review log.")] = False,
    json: JsonOpt = False,
) -> None:
    """Check the database and the scheduling cache; --rebuild replays the review log into the cache, repairing it.
    Exits 1 when something is wrong (after the repair, with --rebuild)."""
    with _open() as aksio:
        report = aksio.doctor(rebuild=rebuild)
    if json:
        print_json(report)
    else:
        for key, value in report.items():
            console().print(f"{key}: {value}")
    if not report["healthy"]:
        from aksio.cli.output import fail

        fail(
            "the database is damaged: restore it from a backup"
            if report["integrity"] != "ok"
            else "the scheduling cache disagrees with the cards and the review log: run `aksio doctor --rebuild`"
        )
