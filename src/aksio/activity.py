"""What the student has done: reviews per study day (heatmap), the streak, today's totals, study sessions."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from aksio.clock import iso
from aksio.errors import InvalidInput
from aksio.records import Record, shallow
from aksio.storage import activity as activity_rows

if TYPE_CHECKING:
    from aksio.config import Settings
    from aksio.models import Course
    from aksio.storage.db import Database
    from aksio.study import DueCounts, StudyDay


MAX_DAYS = 3660  # the dashboard counts at most ten years of study days


class CourseDue(Record, kw_only=True):
    course_id: str
    name: str
    code: str | None
    exam_date: date | None
    learning: int
    review: int
    new: int


class Dashboard(Record, kw_only=True):
    courses: list[CourseDue]
    today_reviews: int  # answers given this study day
    today_seconds: int  # time spent on them
    streak: int  # study days in a row with at least one answer, up to today
    days: list[tuple[date, int]]  # answers per study day, oldest first, today last


class StudySession(Record, kw_only=True):
    id: str
    course_id: str | None
    started_at: str
    ended_at: str
    reviews: int
    ratings: dict[str, int]
    seconds: int


class ActivityMixin:
    """Mixed into ``aksio.service.Aksio``."""

    db: Database
    settings: Settings
    tz: tzinfo | None

    if TYPE_CHECKING:

        def courses(self) -> list[Course]: ...
        def course_id(self, ref: str) -> str: ...
        def due_counts(self, course_id: str | None) -> DueCounts: ...
        def now(self) -> datetime: ...
        def study_day(self, at: datetime | None = None) -> StudyDay: ...

    def dashboard(self, days: int = 182) -> Dashboard:
        """Every course's due counts, today's totals, the streak and answers per day for ``days`` days."""
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"days must be between 1 and {MAX_DAYS}")
        today = self.study_day()
        courses = [
            CourseDue(course_id=c.id, name=c.name, code=c.code, exam_date=c.exam_date, **shallow(self.due_counts(c.id)))
            for c in self.courses()
            if not c.archived
        ]
        starts = [today.start]  # today first; each day the one that ends where the next began (23 to 25 hours)
        self._extend_days(starts, days)
        per_day = self._answers_per_day(starts, today.end)
        streak = next((i for i, n in enumerate(per_day) if not n and i > 0), None)
        while streak is None and len(starts) < MAX_DAYS:
            # every day shown was studied: the streak goes further back, looked up by SQL a block of days at a
            # time (counting a year of hours here cost ~7 ms more at every start of the app)
            known = len(starts)
            self._extend_days(starts, min(known * 2, MAX_DAYS))
            older = [(iso(starts[i]), iso(starts[i - 1])) for i in range(known, len(starts))]
            gap = activity_rows.first_day_without_answers(self.db, older)
            streak = None if gap is None else known + gap
        streak = (len(starts) if streak is None else streak) - (0 if per_day[0] else 1)  # today may come yet
        seconds = activity_rows.seconds_between(self.db, iso(today.start), iso(today.end))
        return Dashboard(
            courses=courses,
            today_reviews=per_day[0],
            today_seconds=seconds,
            streak=streak,
            days=[(self._day_label(starts[i]), per_day[i]) for i in range(days - 1, -1, -1)],
        )

    def _extend_days(self, starts: list[datetime], count: int) -> None:
        """Add to ``starts`` (newest first) the study days before its last, up to ``count`` days in all."""
        day = timedelta(days=1)
        while len(starts) < count:
            last = starts[-1]
            earlier = last - day  # the same local hour a day before, unless the clocks changed in between
            if earlier.astimezone(self.tz).utcoffset() != last.astimezone(self.tz).utcoffset():
                earlier = self.study_day(last - timedelta(seconds=1)).start
            starts.append(earlier)

    def _day_label(self, start: datetime) -> date:
        """The calendar date naming the study day that begins at ``start``."""
        return start.astimezone(self.tz).date()

    def _answers_per_day(self, starts: list[datetime], until: datetime) -> list[int]:
        """Answers on each of the study days beginning at ``starts`` (newest first, as the counts are) up to
        ``until``. Counted by hour in SQL, so a year of reviews is a few thousand rows; each hour goes to the
        last day that began by then (the keys are ISO text in UTC, as the hours are: they sort as times)."""
        keys = [iso(start) for start in reversed(starts)]
        counts = [0] * len(keys)
        for hour, n in activity_rows.answers_per_hour(self.db, keys[0], iso(until)):
            day = bisect_right(keys, hour + ":00:00.000Z") - 1
            if day >= 0:
                counts[day] += n
        counts.reverse()
        return counts

    # -- study sessions ------------------------------------------------------------------------------

    def record_session(
        self, course: str | None, started_at: datetime, ended_at: datetime, ratings: dict[int, int]
    ) -> StudySession:
        """Store one sitting of the review screen (or `aksio study`): when, how long, how it went."""
        if ended_at < started_at:
            raise InvalidInput("a study session cannot end before it starts")
        course_id = self.course_id(course) if course else None
        names = {1: "again", 2: "hard", 3: "good", 4: "easy"}
        counts = {names[r]: int(ratings.get(r, 0)) for r in names}
        seconds = int((ended_at - started_at).total_seconds())
        with self.db.write() as w:
            session_id = activity_rows.insert_session(
                w, course_id, iso(started_at), iso(ended_at), counts, seconds, self.db.device
            )
        return StudySession(
            id=session_id,
            course_id=course_id,
            started_at=iso(started_at),
            ended_at=iso(ended_at),
            reviews=sum(counts.values()),
            ratings=counts,
            seconds=seconds,
        )

    def sessions(self, limit: int = 20) -> list[StudySession]:
        return [StudySession(**row) for row in activity_rows.recent_sessions(self.db, limit)]
