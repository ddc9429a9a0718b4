"""Due times: plain hours, or working hours for departments that count only those.

A department with ``business_hours: true`` in the KB counts its SLA hours only on working
days between opening and closing time, in the desk's time zone (``SEVA_SLA_BUSINESS_*``,
``SEVA_REPLY_TIMEZONE``). A ticket that arrives on Saturday evening is then due a number
of working hours after Monday's opening, not 48 wall-clock hours later. Public holidays
are not modelled: a desk that needs them adds them here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.settings import WEEKDAYS, Settings

_MAX_DAYS = 3660  # ten years: a due time further away than this is a configuration error


@dataclass(frozen=True)
class WorkingHours:
    """When the desk's officers work."""

    opens: time
    closes: time
    days: frozenset[int]  # Monday = 0
    zone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkingHours:
        """The working hours configured for the desk."""
        return cls(
            opens=time.fromisoformat(settings.sla_business_open),
            closes=time.fromisoformat(settings.sla_business_close),
            days=frozenset(WEEKDAYS.index(d) for d in settings.sla_business_days),
            zone=ZoneInfo(settings.reply_timezone),
        )

    def add(self, start: datetime, hours: float) -> datetime:
        """``start`` plus ``hours`` of working time (any zone in, UTC out)."""
        if self.closes <= self.opens:
            msg = "SEVA_SLA_BUSINESS_CLOSE must be after SEVA_SLA_BUSINESS_OPEN"
            raise ValueError(msg)
        left = timedelta(hours=hours)
        at = start.astimezone(self.zone)
        for _ in range(_MAX_DAYS):
            day = at.date()
            opens = datetime.combine(day, self.opens, self.zone)
            closes = datetime.combine(day, self.closes, self.zone)
            if day.weekday() in self.days and at < closes:
                begin = max(at, opens)
                if begin + left <= closes:
                    return (begin + left).astimezone(UTC)
                left -= closes - begin
            at = datetime.combine(day + timedelta(days=1), time(0), self.zone)
        msg = f"no working time within {_MAX_DAYS} days (SEVA_SLA_BUSINESS_DAYS)"
        raise ValueError(msg)


def due_after(start: datetime, hours: float, working: WorkingHours | None) -> datetime:
    """The due time ``hours`` after ``start``, counting only working hours if given."""
    if working is None:
        return start + timedelta(hours=hours)
    return working.add(start, hours)
