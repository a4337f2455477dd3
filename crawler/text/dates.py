"""Dates as platforms send them, turned into aware UTC datetimes.

ISO 8601 text and epoch numbers (seconds or milliseconds) parse directly; only
human phrases ("Posted 3 days ago", "Posted 30+ Days Ago", "yesterday") go through
dateparser, relative to the crawl time, and keep only the day they name.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

EPOCH_MILLIS_THRESHOLD = 10**11  # larger numbers are milliseconds (year 5138 in seconds)
_NUMERIC = re.compile(r"^\d{9,13}(?:\.\d+)?$")
_PLUS_DAYS = re.compile(r"(\d+)\+\s*(day|week|month)", re.IGNORECASE)
_POSTED_PREFIX = re.compile(r"^\s*(?:posted|published|updated)(?:\s+on)?\s*:?\s*", re.I)


def parse_date(value: object, now: datetime | None = None) -> datetime | None:
    """An aware UTC datetime, or None when the value is empty or not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _NUMERIC.match(text):
        return _from_epoch(float(text))
    iso = _parse_iso(text)
    if iso is not None:
        return iso
    return _parse_human(text, now or datetime.now(UTC))


def _from_epoch(number: float) -> datetime | None:
    if number <= 0:
        return None
    if number >= EPOCH_MILLIS_THRESHOLD:
        number /= 1000
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _parse_iso(text: str) -> datetime | None:
    candidate = text[:-1] + "+00:00" if text.endswith("Z") else text
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_human(text: str, now: datetime) -> datetime | None:
    import dateparser  # slow to import; only human phrases need it

    phrase = _POSTED_PREFIX.sub("", text)
    # "30+ Days Ago" means at least 30 days: read it as 30 days ago.
    phrase = _PLUS_DAYS.sub(r"\1 \2", phrase)
    if phrase.lower() in ("today", "just posted", "just now"):
        phrase = "today"
    parsed = dateparser.parse(
        phrase,
        settings={
            "RELATIVE_BASE": now.astimezone(UTC).replace(tzinfo=None),
            "RETURN_AS_TIMEZONE_AWARE": True,
            "TIMEZONE": "UTC",
            "TO_TIMEZONE": "UTC",
            "PREFER_DATES_FROM": "past",
        },
    )
    if parsed is None:
        return None
    # A phrase says a day, not a time: keep the day, so that two crawls on one day
    # store the same value (a time taken from the crawl clock would change every run).
    day = parsed.astimezone(UTC)
    return day.replace(hour=0, minute=0, second=0, microsecond=0)
