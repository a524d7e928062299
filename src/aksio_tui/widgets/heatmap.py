"""Answers per day as a week-by-week grid; the glyph carries the level, so it reads without colour too."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.widgets import Static

LEVELS = ((0, "·", "dim"), (1, "░", "green"), (10, "▒", "green"), (30, "▓", "bold green"), (60, "█", "bold green"))


def glyph(count: int) -> tuple[str, str]:
    shown = LEVELS[0]
    for level in LEVELS:
        if count >= level[0]:
            shown = level
    return shown[1], shown[2]


class Heatmap(Static):
    """Seven rows (Monday first), one column per week, today at the bottom right."""

    def show(self, days: list[tuple[date, int]], width: int | None = None) -> None:
        self.update(render(days, width or max(self.size.width - 6, 10)))


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
