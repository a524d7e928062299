"""What the student has done: reviews per study day (heatmap), the streak, today's totals, study sessions."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
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
        if not 1 <= days <= 3660:
            raise InvalidInput("days must be between 1 and 3660")
        today = self.study_day()
        courses = [
            CourseDue(course_id=c.id, name=c.name, code=c.code, exam_date=c.exam_date, **shallow(self.due_counts(c.id)))
            for c in self.courses()
            if not c.archived
        ]
        window = max(days, 400)  # the streak may reach further back than the heatmap shows (cheap: hourly rows)
        starts = [today.start]  # today first; each day the one that ends where the next began (23 to 25 hours)
        while len(starts) < window:
            starts.append(self.study_day(starts[-1] - timedelta(seconds=1)).start)
        labels = [self._day_label(start) for start in starts]
        per_day = self._answers_per_day(starts[::-1], labels[::-1], today.end)
        streak = 0
        for i, label in enumerate(labels):
            if per_day.get(label, 0):
                streak += 1
            elif i > 0:  # today may not be studied yet: the streak still stands
                break
        seconds = activity_rows.seconds_between(self.db, iso(today.start), iso(today.end))
        return Dashboard(
            courses=courses,
            today_reviews=per_day.get(labels[0], 0),
            today_seconds=seconds,
            streak=streak,
            days=[(label, per_day.get(label, 0)) for label in reversed(labels[:days])],
        )

    def _day_label(self, start: datetime) -> date:
        """The calendar date naming the study day that begins at ``start``."""
        return start.astimezone(self.tz).date()

    def _answers_per_day(self, starts: list[datetime], labels: list[date], until: datetime) -> Counter[date]:
        """Answers per study day, for the days beginning at ``starts`` (oldest first, named ``labels``) up to
        ``until``. Counted by hour in SQL, so a year of reviews is a few thousand rows; each hour goes to the
        last day that began by then (the keys are ISO text in UTC, as the hours are: they sort as times)."""
        keys = [iso(start) for start in starts]
        counts: Counter[date] = Counter()
        for hour, n in activity_rows.answers_per_hour(self.db, keys[0], iso(until)):
            day = bisect_right(keys, hour + ":00:00.000Z") - 1
            if day >= 0:
                counts[labels[day]] += n
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
