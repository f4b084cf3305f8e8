"""CSV cells that a spreadsheet shows as text, never runs as a formula.

Excel, LibreOffice and Google Sheets evaluate a cell whose text starts with ``=``, ``+``,
``-`` or ``@`` (and, after a leading tab or carriage return is stripped, whatever follows)
as a formula: ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` in a theme label would run on
the PM's machine. OWASP's rule (CSV Injection): prefix such a cell with a single quote, so
the spreadsheet shows it as typed. The csv module already quotes separators and quotes.

Numbers we compute ourselves stay numbers: a cell that is an ``int`` or ``float`` (not a
string) is written with Python's ``repr`` of a number, e.g. ``-0.0375``, which every
spreadsheet parses as a number and never as a formula, and a PM wants to sort and sum
those columns. The exception is decided by the value's type, never by looking at text:
a string that merely looks numeric (``"-1+1"``, ``"-2"`` typed by a person) is prefixed
like any other text, and so are ``bool`` (an ``int`` to Python, text to a spreadsheet)
and a non-finite float (``-inf``).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """``value`` as it may go into a CSV cell: numbers as numbers, text neutralised."""
    if is_number(value):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def is_number(value: object) -> bool:
    """A finite int or float (``-inf`` and ``nan`` are text to a spreadsheet)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class FormulaSafeWriter:
    """A ``csv.writer`` whose every cell passes :func:`spreadsheet_cell`."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([spreadsheet_cell(cell) for cell in row])
