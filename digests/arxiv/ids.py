"""arXiv identifiers: the one place that knows what an arXiv id looks like.

Editors paste ids in every shape they meet: ``2307.03172``, ``2307.03172v2``,
``arXiv:2307.03172``, ``https://arxiv.org/abs//2306.11987``,
``arxiv.org/pdf/2306.11987v1.pdf`` or an old-style ``hep-th/9901001``.
``parse_arxiv_id`` turns all of them into one canonical id (without the
version, which names a revision of the same paper) and refuses anything else
with a message an editor can act on.
"""

import re
from dataclasses import dataclass
from datetime import date

ABS_URL = "https://arxiv.org/abs/{}"
PDF_URL = "https://arxiv.org/pdf/{}"

# yymm.nnnn (April 2007 to December 2014) or yymm.nnnnn (from January 2015).
_NEW_STYLE = re.compile(r"(?P<yymm>\d{4})\.(?P<number>\d{4,5})(?:v(?P<version>[1-9]\d{0,3}))?")
# archive(.SUBJECT-CLASS)/yymmnnn, 1991 to March 2007.
_OLD_STYLE = re.compile(
    r"(?P<archive>[A-Za-z]+(?:-[A-Za-z]+)*)(?:\.(?P<subject>[A-Za-z]{2}))?/"
    r"(?P<yymm>\d{4})(?P<number>\d{3})(?:v(?P<version>[1-9]\d{0,3}))?"
)
_URL_PREFIX = re.compile(
    r"^(?:https?:/+)?(?:www\.|export\.)?arxiv\.org/+(?:abs|pdf|html|format)/+", re.IGNORECASE
)
_ARXIV_PREFIX = re.compile(r"^arxiv:\s*", re.IGNORECASE)


class InvalidArxivId(ValueError):
    """Raised with a message fit to show an editor beside the field."""


@dataclass(frozen=True)
class ArxivId:
    identifier: str
    version: int | None = None

    def __str__(self):
        return self.identifier

    @property
    def year_month(self):
        """(year, month) in which the paper was first submitted, from the id itself."""
        yymm = self.identifier.rsplit("/", 1)[-1].split(".")[0][:4]
        year, month = int(yymm[:2]), int(yymm[2:])
        return (1900 + year if year >= 91 else 2000 + year), month

    @property
    def first_day(self):
        year, month = self.year_month
        return date(year, month, 1)


def parse_arxiv_id(value):
    """Return the ``ArxivId`` in ``value`` (an id or any arXiv URL), or raise InvalidArxivId."""
    text = str(value or "").strip()
    if not text:
        raise InvalidArxivId("Enter an arXiv id such as 2307.03172 or an arxiv.org link.")
    text = _ARXIV_PREFIX.sub("", text)
    text = _URL_PREFIX.sub("", text)
    text = re.split(r"[?#]", text, maxsplit=1)[0].rstrip("/")
    if text.lower().endswith(".pdf"):
        text = text[:-4]

    new = _NEW_STYLE.fullmatch(text)
    if new:
        return _checked(new, new_style=True)
    old = _OLD_STYLE.fullmatch(text)
    if old:
        return _checked(old, new_style=False)
    raise InvalidArxivId(
        f"“{_shorten(value)}” is not an arXiv id. Use a form such as 2307.03172, "
        "2307.03172v2, hep-th/9901001 or an arxiv.org/abs/… link."
    )


def normalize_arxiv_id(value):
    """The canonical id string for ``value`` (see ``parse_arxiv_id``)."""
    return parse_arxiv_id(value).identifier


def _checked(match, *, new_style):
    yymm = match["yymm"]
    year, month = int(yymm[:2]), int(yymm[2:])
    if not 1 <= month <= 12:
        raise InvalidArxivId(f"“{match.group(0)}” has no valid month ({yymm[2:]}) in its id.")
    version = int(match["version"]) if match["version"] else None
    if new_style:
        full_year = 2000 + year
        digits = len(match["number"])
        if (full_year, month) < (2007, 4):
            raise InvalidArxivId(
                f"“{match.group(0)}” is not a valid arXiv id: ids of this form start in "
                "April 2007 (0704.xxxx)."
            )
        if digits != (5 if full_year >= 2015 else 4):
            raise InvalidArxivId(
                f"“{match.group(0)}” is not a valid arXiv id: ids from {yymm} have "
                f"{5 if full_year >= 2015 else 4} digits after the dot."
            )
        identifier = f"{yymm}.{match['number']}"
    else:
        full_year = 1900 + year if year >= 91 else 2000 + year
        if (full_year, month) > (2007, 3):
            raise InvalidArxivId(
                f"“{match.group(0)}” is not a valid arXiv id: old-style ids end in March 2007."
            )
        archive = match["archive"].lower()
        subject = f".{match['subject'].upper()}" if match["subject"] else ""
        identifier = f"{archive}{subject}/{yymm}{match['number']}"
    return ArxivId(identifier, version)


def _shorten(value, limit=60):
    text = str(value).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def abs_url(identifier):
    return ABS_URL.format(identifier)


def pdf_url(identifier):
    return PDF_URL.format(identifier)
