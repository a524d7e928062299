"""``aksio study``: a plain-terminal review loop. Rich output, single-key input; works over ssh and in a
dumb terminal (without a TTY it reads whole lines instead of keys)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TYPE_CHECKING

from aksio.cli.output import console, error_line, markup
from aksio.control_chars import printable

if TYPE_CHECKING:
    from aksio.models import Card
    from aksio.service import Aksio

_HELP = "[dim]space/enter reveal · 1-4 grade · u undo · s suspend · b bury · q quit[/]"


def _key() -> str:
    """One key from a terminal, or one line (its first character) from a pipe. EOF means quit."""
    if sys.stdin.isatty():
        import click

        ch = click.getchar()
        return "q" if ch in ("\x03", "\x04") else ch
    line = sys.stdin.readline()
    if not line:
        return "q"
    return line.strip()[:1] or " "


def _show(card: Card, reveal: bool) -> None:
    from rich.markdown import Markdown
    from rich.panel import Panel

    out = console()
    # a card is Markdown, its links shown with their address (a terminal's link could say one and go elsewhere)
    front = Markdown(printable(card.front), hyperlinks=False)
    out.print(Panel(front, title=markup("{} · {}", card.course_name, card.kind), title_align="left"))
    if reveal:
        back = Markdown(printable(card.back), hyperlinks=False)
        out.print(Panel(back, title="answer", title_align="left", border_style="green"))
        if card.source and card.source.quote:
            out.print(markup("[dim]source p. {}: “{}”[/]", card.source.page, card.source.quote))


def run_study(aksio: Aksio, course: str | None) -> None:
    from aksio.errors import Conflict

    out = console()
    course_id = aksio.course(course).id if course else None
    history: list[int] = []  # ratings given this session, so undo can take one back
    started = time.monotonic()
    began = aksio.now()
    while True:
        card = aksio.next_card(course_id)
        if card is None:
            out.print(markup("[green]Nothing more is due.[/]"))
            break
        counts = aksio.due(course_id).counts
        out.rule(f"learning {counts.learning} · review {counts.review} · new {counts.new}")
        _show(card, reveal=False)
        out.print(markup(_HELP))
        shown = time.monotonic()
        key = _key()
        if key == "q":
            break
        if _side_action(aksio, card, key, history):
            continue
        _show(card, reveal=True)
        previews = aksio.preview(card.id)
        # the scheduler's own words and figures: nothing from outside in this template
        out.print(markup("   ".join(f"[bold]{p.rating}[/] {p.name} [cyan]{p.interval}[/]" for p in previews)))
        while True:
            key = _key()
            if key in ("1", "2", "3", "4", "q") or key in ("u", "s", "b"):
                break
        if key == "q":
            break
        if _side_action(aksio, card, key, history):
            continue
        try:
            result = aksio.answer(card.id, int(key), duration_ms=int((time.monotonic() - shown) * 1000), shown=card)
        except Conflict as exc:  # answered by another window or a script while shown here: not graded twice
            out.print(markup("[yellow]{}[/]", exc))
            continue
        history.append(int(key))
        if result.became_leech:
            out.print(markup("[red]This card is now a leech (tagged 'leech'); consider rewriting it.[/]"))
    grades = Counter(history)
    total = len(history)
    if total:  # the dashboard's history of sittings (the app records its sessions the same way)
        aksio.record_session(course_id, began, max(aksio.now(), began), dict(grades))
    minutes = (time.monotonic() - started) / 60
    out.rule("session")
    out.print(
        f"Reviewed {total} card(s) in {minutes:.1f} min: again {grades[1]}, hard {grades[2]}, "
        f"good {grades[3]}, easy {grades[4]}"
    )


def _side_action(aksio: Aksio, card: Card, key: str, history: list[int]) -> bool:
    """Undo, suspend or bury; True if the key was one of them (the loop then picks the next card)."""
    from aksio.errors import AksioError

    out = console()
    try:
        if key == "u":
            undone = aksio.undo()
            if history:
                history.pop()
            out.print(markup("[yellow]undid[/] rating {} of the previous card", undone.rating))
        elif key == "s":
            aksio.suspend(card.id, True)
            out.print(markup("[yellow]suspended[/]"))
        elif key == "b":
            aksio.bury(card.id)
            out.print(markup("[yellow]buried until tomorrow[/]"))
        else:
            return False
    except AksioError as exc:
        out.print(markup("[red]{}[/]", error_line(exc)))
    return True
