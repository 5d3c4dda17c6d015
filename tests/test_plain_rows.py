"""Rows written as ready sheet XML (bot/reporting/plainrows) read back exactly as the rows openpyxl writes."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import IllegalCharacterError

from bot.reporting.plainrows import PlainRows

ROWS = [
    [1, "武定县财政局", None, "czj.wuding.gov.cn", "", dt.date(2019, 2, 25), 2.5, "  前后有空格 ", "a & b <c> \"d\" 'e'"],
    [2, "第二行\n换行", "x" * 40000, None, dt.date(1900, 3, 1), -7, "#N/A", "=1+1", "回车\r\n在此"],
    [3, "最后一行", "", "", None, None, 0, 1e20, "行尾\t"],
    [4, "\u3000全角空格在前", "换行在尾\n", "\xa0不换行空格", dt.date(2019, 2, 25), dt.date(2019, 2, 25), 10 ** 17, "&", " "],
]


def _write(path, fast: bool, styled_ids: bool = False):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.column_dimensions["B"].width = 30
    sheet.freeze_panes = "A2"
    plain = PlainRows(sheet) if fast else None
    sheet.append(["序号", "单位"])  # a row openpyxl writes, between the plain ones
    for row in ROWS:
        (plain.append if fast else sheet.append)(row)
    for row in ROWS:  # the same values styled: red text on a fill, dates with their format
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.font, cell.fill = Font(color="C00000"), PatternFill("solid", fgColor="FCE4E4")
            if isinstance(value, dt.date):
                cell.number_format = "yyyy年m月d日"
            cells.append(cell)
        if fast and styled_ids:  # the values with the cells' style ids, as the report writes overdue rows
            plain_values = not any(v in ("=1+1", "#N/A") or "\r" in str(v) for v in row)
            assert plain.append_styled(list(row), [c.style_id for c in cells]) == plain_values
            if not plain_values:  # nothing was written: the cells go through openpyxl
                plain.append_cells(cells)
        else:
            (plain.append_cells if fast else sheet.append)(cells)
    sheet.append(["尾", "行"])
    assert not fast or plain.fast  # the rows went the fast way, not through openpyxl
    workbook.save(path)
    return load_workbook(path)["s"]


def _cells(sheet):
    return [[(c.coordinate, c.value, c.data_type, c.number_format, c.font.color and c.font.color.rgb,
              c.fill.fgColor.rgb) for c in row] for row in sheet.iter_rows()]


def test_plain_rows_read_back_as_openpyxl_rows(tmp_path):
    fast, slow = _write(tmp_path / "fast.xlsx", True), _write(tmp_path / "slow.xlsx", False)
    assert _cells(fast) == _cells(slow)
    assert fast["F2"].value == dt.datetime(2019, 2, 25) and fast["F2"].number_format == "yyyy-mm-dd"
    assert fast["H2"].value == "  前后有空格 " and fast["I2"].value == "a & b <c> \"d\" 'e'"
    assert len(fast["C3"].value) == 32767  # truncated as openpyxl truncates
    assert fast["F6"].number_format == "yyyy年m月d日" and fast["C6"].fill.fgColor.rgb.endswith("FCE4E4")
    assert fast["B5"].value == "\u3000全角空格在前" and fast["C5"].value == "换行在尾\n" and fast["I5"].value == " "
    assert fast.freeze_panes == "A2" and fast.column_dimensions["B"].width == 30


def test_a_value_a_sheet_cannot_hold_fails_as_in_openpyxl(tmp_path):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    plain = PlainRows(sheet)
    with pytest.raises(IllegalCharacterError):
        plain.append(["控制字符\x07"])


def test_styled_values_with_style_ids_read_back_as_styled_cells(tmp_path):
    """append_styled (values and style ids: the report's overdue rows) writes what append_cells writes."""
    fast, slow = _write(tmp_path / "ids.xlsx", True, True), _write(tmp_path / "slow.xlsx", False)
    assert _cells(fast) == _cells(slow)
