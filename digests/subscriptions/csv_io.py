"""Subscribers in and out of CSV files: the admin's import and export.

Import: the address column is found by its header (email, e-mail, mail,
address) or as the first column that holds addresses; other columns are
ignored. Each refused row gets a line in the report with its line number and
why. An import never subscribes again an address that unsubscribed, bounced
or complained, and confirms addresses only when the editor says those people
agreed (otherwise they are pending and must confirm by themselves; an import
sends no mail).

Export: one row per subscriber; a cell that a spreadsheet would read as a
formula (``=``, ``+``, ``-``, ``@``, tab, carriage return first) gets a
leading quote.
"""

import csv
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from .models import Subscriber

MAX_BYTES = 5 * 2**20
MAX_ROWS = 100_000
MAX_LINE_CHARS = 2_000
MAX_EMAIL_LENGTH = 254
BATCH_SIZE = 1_000
LOOKUP_CHUNK = 500
HEADER_NAMES = {"email", "e-mail", "mail", "address", "email address", "e-mail address"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Files that are surely not text, whatever their name says.
BINARY_MAGIC = (b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xd0\xcf\x11\xe0", b"\x1f\x8b", b"GIF8")
EXPORT_FIELDS = ("email", "status", "source", "created_at", "confirmed_at", "unsubscribed_at")
LINE_BREAK = re.compile(r"\r\n|\r|\n")


class ImportRefused(Exception):
    """The whole file is refused: nothing was imported."""


@dataclass
class Refusal:
    line: int
    text: str
    reason: str


@dataclass
class ImportReport:
    consented: bool
    column: str
    imported: int = 0
    header_line: bool = False
    refused: list = field(default_factory=list)

    @property
    def status(self):
        return Subscriber.Status.CONFIRMED if self.consented else Subscriber.Status.PENDING


def decode(data, name="The file"):
    """The upload's text, or ImportRefused with a message an editor can act on."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            f"{name} is {len(data):,} bytes; an import may be at most {MAX_BYTES:,} bytes. "
            "Split it into smaller files."
        )
    if not data.strip():
        raise ImportRefused(f"{name} is empty.")
    head = data[:8192]
    if data.startswith(BINARY_MAGIC) or head.count(b"\x00") > len(head) // 100:
        raise ImportRefused(
            f"{name} is not a text file (a spreadsheet, archive or a UTF-16 export?). "
            "Save it as “CSV UTF-8” and import that."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(
            f"{name} is not UTF-8 text (line {line} has the byte 0x{data[error.start]:02x}, "
            "perhaps Latin-1 or Windows-1252). Save it as “CSV UTF-8” and import it again."
        ) from None


def looks_like_address(text):
    if not text or len(text) > MAX_EMAIL_LENGTH or text.startswith(FORMULA_STARTS):
        return False
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def sniff_dialect(lines):
    sample = "\n".join(line for line in lines[:20] if len(line) <= MAX_LINE_CHARS)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;")
    except csv.Error:
        return csv.excel


def parse_line(line, dialect):
    try:
        return next(csv.reader([line], dialect), [])
    except csv.Error:
        return None


def find_column(rows):
    """(column index, its name, whether the first row names the columns)."""
    first = rows[0][1] if rows else []
    for index, cell in enumerate(first):
        if cell.strip().lower() in HEADER_NAMES:
            return index, cell.strip(), True
    width = max((len(cells) for _, cells in rows[:20]), default=0)
    for index in range(width):
        cells = [cells[index].strip() for _, cells in rows[:20] if len(cells) > index]
        if any(looks_like_address(cell) for cell in cells):
            header = not looks_like_address(first[index].strip()) if len(first) > index else False
            return index, f"column {index + 1}", header
    raise ImportRefused(
        "No column of e-mail addresses found. Name the column “email” in the first line, "
        "or make sure the addresses are in the file."
    )


def read_rows(text):
    """Non-blank physical lines as (line number, cells or None) and refusals for the rest."""
    lines = LINE_BREAK.split(text)
    dialect = sniff_dialect([line for line in lines if line.strip()])
    rows, refused = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            refused.append(Refusal(number, line[:60], f"the line is {len(line):,} characters long"))
            continue
        cells = parse_line(line, dialect)
        if cells is None:
            refused.append(Refusal(number, line, "not readable as CSV"))
        else:
            rows.append((number, cells))
    if len(rows) + len(refused) > MAX_ROWS + 1:
        raise ImportRefused(
            f"The file has {len(rows) + len(refused):,} rows; an import takes at most "
            f"{MAX_ROWS:,}. Split it into smaller files."
        )
    return rows, refused


def existing_statuses(keys):
    """{lowercased address: Subscriber} for the addresses already on the list."""
    found = {}
    keys = list(keys)
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        for subscriber in (
            Subscriber.objects.annotate(key=Lower("email"))
            .filter(key__in=chunk)
            .only("email", "status", "unsubscribed_at", "bounced_at", "complained_at")
        ):
            found[subscriber.key] = subscriber
    return found


def why_on_list(subscriber):
    when = {
        Subscriber.Status.UNSUBSCRIBED: subscriber.unsubscribed_at,
        Subscriber.Status.BOUNCED: subscriber.bounced_at,
        Subscriber.Status.COMPLAINED: subscriber.complained_at,
    }
    if subscriber.status in when:
        stamp = when[subscriber.status]
        since = f" on {timezone.localtime(stamp):%d %b %Y}" if stamp else ""
        return (
            f"previously {subscriber.get_status_display()}{since}; an import never "
            "subscribes an address again (they may subscribe themselves)"
        )
    return f"already on the list ({subscriber.get_status_display()})"


def check_address(text):
    if "\x00" in text:
        return "contains a NUL byte"
    if text.startswith(FORMULA_STARTS):
        return f"starts with “{text[0]}” like a spreadsheet formula; not an address"
    if len(text) > MAX_EMAIL_LENGTH:
        return f"{len(text)} characters long; an address has at most {MAX_EMAIL_LENGTH}"
    if not looks_like_address(text):
        return "not an e-mail address"
    return None


def import_csv(data, *, consented, name="The file"):
    """Add the file's new addresses; ImportReport, or ImportRefused for the whole file."""
    rows, refused = read_rows(decode(data, name))
    if not rows:
        raise ImportRefused(f"{name} has no readable rows.")
    column, column_name, header = find_column(rows)
    report = ImportReport(consented=consented, column=column_name, header_line=header)
    if header:
        rows = rows[1:]
    first_seen, candidates = {}, []
    for number, cells in rows:
        address = cells[column].strip() if len(cells) > column else ""
        if not address:
            if any(cell.strip() for cell in cells):
                refused.append(Refusal(number, ",".join(cells), "no address in the column"))
            continue
        reason = check_address(address)
        key = address.lower()
        if reason is None and key in first_seen:
            reason = f"duplicate of line {first_seen[key]}"
        if reason:
            refused.append(Refusal(number, address, reason))
            continue
        first_seen[key] = number
        candidates.append((number, address, key))
    existing = existing_statuses(key for _, _, key in candidates)
    now = timezone.now()
    new = []
    for number, address, key in candidates:
        if key in existing:
            refused.append(Refusal(number, address, why_on_list(existing[key])))
            continue
        subscriber = Subscriber(
            email=address, source=Subscriber.Source.IMPORT, created_at=now, status=report.status
        )
        if consented:
            subscriber.move_to(Subscriber.Status.CONFIRMED, now=now)
        new.append(subscriber)
    try:
        with transaction.atomic():
            Subscriber.objects.bulk_create(new, batch_size=BATCH_SIZE)
    except IntegrityError:
        raise ImportRefused(
            "Some of these addresses were added while the file was being read (someone "
            "subscribed meanwhile?). Nothing was imported; import the file again."
        ) from None
    report.imported = len(new)
    report.refused = sorted(refused, key=lambda refusal: refusal.line)
    return report


def defuse(value):
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Echo:
    def write(self, value):
        return value


def export_lines(queryset):
    """The CSV's lines, one at a time (for a streamed response)."""
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(EXPORT_FIELDS)
    for row in queryset.order_by("pk").values_list(*EXPORT_FIELDS).iterator(chunk_size=2000):
        yield writer.writerow(
            [defuse(value.isoformat() if hasattr(value, "isoformat") else value) for value in row]
        )
