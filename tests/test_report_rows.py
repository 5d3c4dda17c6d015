"""The report's rows as XlsxWriter writes them (bot/reporting/workbook.Rows, constant-memory mode) read back
cell by cell as openpyxl's own writer writes the same values and styles: what the report wrote before it moved
to XlsxWriter, and what a reader of the workbook sees."""
from __future__ import annotations

import datetime as dt

from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill
from xlsxwriter import Workbook

from bot.reporting.workbook import DATE_FORMAT, WORKBOOK_OPTIONS, Rows

ROWS = [
    [1, "武定县财政局", None, "czj.wuding.gov.cn", "", dt.date(2019, 2, 25), 2.5, "  前后有空格 ", "a & b <c> \"d\" 'e'"],
    [2, "第二行\n换行", "x" * 40000, None, dt.date(1900, 3, 1), -7, "#N/A", "=1+1", "http://x.cn/a"],
    [3, "最后一行", "", "", None, None, 0, 1e20, "行尾\t"],
    [4, "\u3000全角空格在前", "换行在尾\n", "\xa0不换行空格", dt.date(2019, 2, 25), dt.date(2019, 2, 25), 10 ** 17, "&", " "],
    [5, "<r><t>x</t></r>", "<r>&</r>", "0878-8711677", "1e5", "+1", "@SUM(A1)", "TRUE", "x" * 40000],
]
# Text openpyxl wrote as it is (a carriage return lost to XML's line-end rule, a control character refused,
# an escape read by Excel as the character it names); XlsxWriter writes the file format's escapes, which Excel
# and the import's reader (python-calamine) read back as the text itself.
ESCAPED = ["回车\r\n在此", "控制字符\x07", "_x0041_", "行\r尾"]
STYLED_DATE = "yyyy年m月d日"


def _new(path):
    workbook = Workbook(str(path), WORKBOOK_OPTIONS)
    red = workbook.add_format({"font_color": "#C00000", "bg_color": "#FCE4E4", "pattern": 1})
    red_date = workbook.add_format({"font_color": "#C00000", "bg_color": "#FCE4E4", "pattern": 1,
                                    "num_format": STYLED_DATE})
    sheet = workbook.add_worksheet("s")
    rows = Rows(sheet)
    rows.append(["序号", "单位"])
    for row in ROWS:
        rows.append(row)
    for row in ROWS:  # the same values styled: red text on a fill, dates with their format
        rows.append_formatted((v, red_date if isinstance(v, dt.date) else red) for v in row)
    rows.append(["尾", "行"])
    rows.append(ESCAPED)
    workbook.close()
    return load_workbook(path)["s"]


def _reference(path):
    """openpyxl's ordinary writer; text stays text (the report never writes a formula)."""
    workbook = OpenpyxlWorkbook()
    sheet = workbook.active
    sheet.title = "s"
    sheet.append(["序号", "单位"])
    for styled in (False, True):
        for row in ROWS:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                if isinstance(cell.value, dt.date) and not styled:
                    cell.number_format = DATE_FORMAT
                if styled:
                    cell.font, cell.fill = Font(color="C00000"), PatternFill("solid", fgColor="FCE4E4")
                    if isinstance(cell.value, dt.date):
                        cell.number_format = STYLED_DATE
    sheet.append(["尾", "行"])
    workbook.save(path)
    return load_workbook(path)["s"]


def _rgb(color) -> str | None:
    return color.rgb[-6:] if color is not None and color.type == "rgb" else None


def _cells(sheet):
    """Each cell as a reader sees it: value, type, number format, font and fill colour (RGB; the alpha byte
    is not shown by any reader)."""
    return [[(c.coordinate, c.value, c.value is not None and c.data_type, c.number_format,
              _rgb(c.font.color), _rgb(c.fill.fgColor) if c.fill.fill_type else None)
             for c in row] for row in sheet.iter_rows(max_row=2 + 2 * len(ROWS))]


def test_report_rows_read_back_as_openpyxl_writes_them(tmp_path):
    new, reference = _cells(_new(tmp_path / "new.xlsx")), _cells(_reference(tmp_path / "reference.xlsx"))
    assert new == reference
    assert len(new[2][2][1]) == 32767 and new[2][8][1] == "http://x.cn/a"  # cut as openpyxl cut; no link made
    assert new[5][1][1] == "<r><t>x</t></r>" and new[5][2][1] == "<r>&</r>"  # text, not rich-text markup


def test_escaped_text_reads_back_as_written(tmp_path):
    """What openpyxl could not write faithfully reads back exactly, in the import's reader (so a report with a
    note holding a carriage return re-imports the same)."""
    from python_calamine import CalamineWorkbook

    _new(tmp_path / "new.xlsx")
    rows = CalamineWorkbook.from_path(str(tmp_path / "new.xlsx")).get_sheet_by_name("s").to_python()
    assert rows[-1][:len(ESCAPED)] == ESCAPED
