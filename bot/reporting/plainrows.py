"""Unstyled rows written into an openpyxl write-only sheet as ready XML text.

openpyxl builds a cell object per value and writes it element by element (over 100 µs a row: most of the time of
a 100,000-domain report). The rows here carry only text, numbers and dates, so their XML is made as one string
and written into the sheet's own file between the elements openpyxl writes (its XML writer is flushed first):
the same cells as openpyxl writes (inline strings, `t="n"` numbers, dates as serial numbers with openpyxl's own
yyyy-mm-dd style), interleaved with the styled rows openpyxl still writes. A row with anything else (a
character a sheet cannot hold, a carriage return, a formula or error word, another type) goes through openpyxl
as before, so it fails or is converted the same way."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple
from xml.sax.saxutils import escape

from openpyxl import LXML
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile

_MAX_TEXT = 32767  # openpyxl truncates longer text the same way


class _Plain(tuple):
    """A row of plain values, marked so the sheet's writer writes it as XML text."""


class _SheetWriter(WorksheetWriter):
    """openpyxl's sheet writer with its XML stream on a file this module can also write to."""

    def get_stream(self):
        self.file = open(self.out, "wb")  # closed in close(), after the XML stream has ended
        with xmlfile(self.file) as xf:
            with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        el = (yield)
                        if el is True:
                            yield xf
                        elif el is not None:
                            xf.write(el)
                except GeneratorExit:
                    pass

    def write_row(self, xf, row, row_idx):
        if type(row) is _Plain:
            xml = self.render(row, row_idx)
            if xml is not None:
                xf.flush()
                self.file.write(xml.encode())
                return
            row = WriteOnlyWorksheet._values_to_row(self.ws, list(row), row_idx)  # as openpyxl would
        super().write_row(xf, row, row_idx)

    def close(self):
        super().close()
        self.file.close()


_ERROR_CODES = frozenset(ERROR_CODES)


def _plain_value(value: object) -> bool:
    """Text, a number or a date that openpyxl would write as it is (else it goes through openpyxl)."""
    kind = type(value)
    if kind is str:
        return not (ILLEGAL_CHARACTERS_RE.search(value) or "\r" in value or value.startswith("=")
                    or value in ERROR_CODES)
    return value is None or kind in (int, float, dt.date)


class _Styled(NamedTuple):
    value: object
    style: int | None


class PlainRows:
    """`append(values)` for a write-only sheet whose settings are all made (its top is written here); styled
    rows keep using `sheet.append`."""

    def __init__(self, sheet) -> None:
        self.sheet = sheet
        self.epoch = sheet.parent.epoch
        self.date_attr = f' s="{WriteOnlyCell(sheet, value=dt.date(2000, 1, 1)).style_id}"'
        self.letters: list[str] = []
        self.serials: dict[dt.date, str] = {}
        self.fast = LXML and sheet._writer is None  # lxml's writer can be flushed; a sheet not yet started
        if self.fast:
            sheet._writer = _SheetWriter(sheet)
            sheet._writer.render = self._xml
            sheet._writer.write_top()
            to_row = sheet._values_to_row
            sheet._values_to_row = lambda values, row_idx: values if type(values) is _Plain else to_row(values, row_idx)

    def append(self, values: list[object]) -> None:
        """A row of values (checked as its XML is made: anything else goes through openpyxl)."""
        self.sheet.append(_Plain(values) if self.fast else values)

    def append_cells(self, cells: list) -> None:
        """A row of styled cells (openpyxl WriteOnlyCell, values already bound): written as XML with their
        style ids when they hold text, numbers or dates; else through openpyxl."""
        if not self.fast or not all(c is None or _plain_value(c._value) for c in cells):
            self.sheet.append(cells)
            return
        self.sheet.append(_Plain(_Styled(c._value, c.style_id if c.has_style else None) if c is not None else None
                                 for c in cells))

    def append_styled(self, values: list[object], styles: list[int | None]) -> bool:
        """A row of values with a style id each (as `append_cells` would write the cells): False, and nothing
        written, when the fast path is off or a value is not plain: the caller then appends its cells."""
        if not self.fast or not all(_plain_value(v) for v in values):
            return False
        self.sheet.append(_Plain(_Styled(v, s) for v, s in zip(values, styles)))
        return True

    def _xml(self, values: tuple, row_idx: int) -> str | None:
        """The row's XML; None when a value is not plain text, a number or a date (see _plain_value)."""
        letters = self.letters
        while len(letters) < len(values):
            letters.append(get_column_letter(len(letters) + 1))
        parts = [f'<row r="{row_idx}">']
        serials = self.serials
        for letter, value in zip(letters, values):
            if value is None:
                continue
            ref = f"{letter}{row_idx}"
            style = ""
            if type(value) is _Styled:
                value, style = value.value, f' s="{value.style}"' if value.style is not None else ""
                if value is None:
                    if style:
                        parts.append(f'<c r="{ref}"{style} t="n"/>')
                    continue
            kind = type(value)
            if kind is str:
                if not value:
                    parts.append(f'<c r="{ref}"{style} t="inlineStr"/>')
                    continue
                if value[0] == "=" or value in _ERROR_CODES:
                    return None
                if len(value) > _MAX_TEXT:
                    value = value[:_MAX_TEXT]
                space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""  # = strip()
                if "&" in value or "<" in value or ">" in value:
                    value = escape(value)
                parts.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{value}</t></is></c>')
            elif kind is dt.date:
                serial = serials.get(value)
                if serial is None:  # a registry has few distinct dates
                    serial = serials[value] = safe_string(to_excel(value, self.epoch))
                parts.append(f'<c r="{ref}"{style or self.date_attr} t="n"><v>{serial}</v></c>')
            elif kind is int or kind is float:
                parts.append(f'<c r="{ref}"{style} t="n"><v>{safe_string(value)}</v></c>')
            else:
                return None
        parts.append("</row>")
        xml = "".join(parts)
        # the markup has no control characters: one search of the row stands for one per value
        return None if "\r" in xml or ILLEGAL_CHARACTERS_RE.search(xml) else xml
