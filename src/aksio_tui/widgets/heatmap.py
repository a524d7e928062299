"""Answers per day as a week-by-week grid; the glyph carries the level, so it reads without colour too."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.widget import Widget

LEVELS = ((0, "·", "dim"), (1, "░", "green"), (10, "▒", "green"), (30, "▓", "bold green"), (60, "█", "bold green"))


def glyph(count: int) -> tuple[str, str]:
    shown = LEVELS[0]
    for level in LEVELS:
        if count >= level[0]:
            shown = level
    return shown[1], shown[2]


class Heatmap(Widget):
    """Seven rows (Monday first), one column per week, today at the bottom right: as many weeks as fit, worked
    out when drawn, so the first frame (before layout) and a resized terminal both get the right number."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.days: list[tuple[date, int]] | None = None

    def show(self, days: list[tuple[date, int]]) -> None:
        self.days = days
        self.refresh(layout=True)

    def render(self) -> Text:
        if self.days is None:
            return Text()
        return render(self.days, max(self.size.width - 6, 10))


def render(days: list[tuple[date, int]], columns: int) -> Text:
    if not days:
        return Text("no reviews yet")
    weeks: list[list[tuple[date, int] | None]] = []
    week: list[tuple[date, int] | None] = [None] * days[0][0].weekday()
    for day in days:
        week.append(day)
        if len(week) == 7:
            weeks.append(week)
            week = []
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    weeks = weeks[-columns:]
    out = Text()
    for row, name in enumerate(("Mon", "", "Wed", "", "Fri", "", "Sun")):
        out.append(f"{name:<4}", style="dim")
        for column in weeks:
            cell = column[row]
            if cell is None:
                out.append(" ")
            else:
                char, style = glyph(cell[1])
                out.append(char, style=style)
        out.append("\n")
    out.append("    less ", style="dim")
    for _, char, style in LEVELS:
        out.append(char, style=style)
    out.append(" more", style="dim")
    return out
