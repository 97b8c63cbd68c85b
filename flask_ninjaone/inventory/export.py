"""CSV downloads that are safe to open in a spreadsheet.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab/carriage return) is a formula to Excel and
LibreOffice: a device or software name like ``=HYPERLINK(...)`` synced from NinjaOne would run when a
technician opens the export. Such text cells get a leading apostrophe (OWASP's recommendation);
numbers are written as numbers. Quoting and embedded newlines are the :mod:`csv` module's job.

Spreadsheets skip what cannot be seen and read look-alikes as the real thing: a zero-width space or
byte-order mark before ``=``, or a fullwidth ``＝``, still starts a formula in some of them. So the
test looks at the first visible character, in its compatibility form (NFKC maps ``＝`` to ``=``).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Unicode categories a spreadsheet shows as nothing: format (zero-width, BOM, bidi marks), controls,
#: separators and spaces.
_INVISIBLE = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})
#: Rows written per chunk of a streamed download.
CHUNK_ROWS = 500


def safe_cell(value: Any) -> Any:
    """A value ready for :func:`csv.writer`: neutralized text, numbers as they are, ``None`` empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    text = str(value)
    return "'" + text if _starts_a_formula(text) else text


def _starts_a_formula(text: str) -> bool:
    if text.startswith(FORMULA_PREFIXES):
        return True
    for char in text:
        if unicodedata.category(char) not in _INVISIBLE:
            return unicodedata.normalize("NFKC", char).startswith(FORMULA_PREFIXES) or char == "\u2212"
    return False


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text of ``header`` + ``rows``, a few hundred rows per chunk (for a streamed response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def instance_header(header: Sequence[str], instances: Mapping[int, str] | None) -> list[str]:
    """``header`` after an Instance column when the rows come from several instances (``instances``:
    id → name, ``None`` for a tenant with one, whose exports stay as they were)."""
    return [*(["Instance"] if instances is not None else []), *header]


def instance_cells(instances: Mapping[int, str] | None, integration_id: int) -> list[str]:
    """The Instance cell of a row of :func:`instance_header` (none for a tenant with one instance)."""
    return [instances.get(integration_id, "")] if instances is not None else []
