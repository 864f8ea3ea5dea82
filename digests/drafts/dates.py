"""Dates as editors write them in drafts: “6 Jul”, “Jul 6”, “July 6th, 2023”, “2023-07-06”.

A date without a year takes the year that puts it closest to the month in
the paper's arXiv id, so a “Jan 2” paper with a 2312 id is 2 January 2024.
"""

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\.?"
_YEAR = r"(?:,?\s*(?P<year>\d{4}))?"
_DATE_FORMS = [
    re.compile(rf"{_DAY}\s+{_MONTH}{_YEAR}", re.IGNORECASE),
    re.compile(rf"{_MONTH}\s+{_DAY}{_YEAR}", re.IGNORECASE),
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"),
]
DATE_WORD = re.compile(
    r"\b(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b|\b\d{4}-\d{1,2}-\d{1,2}\b",
    re.IGNORECASE,
)


def read_date(text, id_year_month):
    """A date from “6 Jul”, “Jul 6”, “July 6th, 2023”, “2023-07-06”…, or ValueError saying why.

    Without a year, the year is the one that puts the date closest to the
    month the arXiv id was given in (a “Jan 2” paper with a 2312 id is 2024)."""
    text = text.strip()
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if match:
            break
    else:
        raise ValueError(f"“{text}” is not a date (write it as “6 Jul”, “Jul 6” or “6 July 2023”)")
    month_text = match["month"]
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.lower())
    if not month or not 1 <= month <= 12:
        raise ValueError(f"“{month_text}” in “{text}” is not a month")
    day = int(match["day"])
    if match["year"]:
        try:
            return date(int(match["year"]), month, day)
        except ValueError:
            raise ValueError(f"“{text}” is not a day of the calendar") from None
    id_year, id_month = id_year_month
    candidates = []
    for year in (id_year - 1, id_year, id_year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        raise ValueError(f"“{text}” is not a day of the calendar")
    return min(candidates, key=lambda d: _months_apart(d, id_year, id_month))


def _months_apart(day, year, month):
    """Distance from ``day`` to the id's month (0 inside it), in days."""
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    if day < start:
        return (start - day).days
    if day >= end:
        return (day - end).days + 1
    return 0
