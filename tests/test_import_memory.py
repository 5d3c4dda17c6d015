"""What the import does for memory must not change what it reads: a sheet released by the reader (its rows held
packed, the reader's copy freed early) gives the very rows, values and types the reader gives."""
from __future__ import annotations

import datetime as dt

from openpyxl import Workbook

from bot.registry import sheets
from bot.registry.sheets import SheetNotes, read_table
from tests.support.registry_data import generate_rows


def _mixed_workbook(tmp_path):
    """Dates, times, numbers, booleans, empty cells, a merged unit name over two rows, a title row and a second
    sheet: every kind of value the reader hands over."""
    book = Workbook()
    sheet = book.active
    sheet.title = "县级"
    sheet.append(["武定县政府网站域名清理表"])
    sheet.append(["单位名称", "域名", "主域名", "状态", "注册日期", "到期日期", "联系电话", "备注"])
    for i in range(40):
        sheet.append([f"武定县单位{i}", f"d{i}.wuding.gov.cn", i % 2 == 0, "在用", dt.date(2019, 2, 1 + i % 28),
                      dt.datetime(2027, 1, 1, 8, 30) if i % 3 else 45000 + i, 8711677.0 + i if i % 4 else None,
                      dt.time(9, i % 60) if i % 5 == 0 else f"备注 {i}"])
    sheet.merge_cells("A10:A11")
    other = book.create_sheet("乡镇")
    other.append(["单位名称", "域名"])
    for i in range(7):
        other.append([f"武定县狮山镇{i}", f"ss{i}.wuding.gov.cn"])
    path = tmp_path / "mixed.xlsx"
    book.save(path)
    return path.read_bytes()


def _read(data: bytes, release: int) -> tuple[list, SheetNotes]:
    notes = SheetNotes()
    rows = [(n, {k: (v, type(v)) for k, v in record.items()}, s)
            for n, record, s in read_table(data, "mixed.xlsx", notes, release)]
    return rows, notes


def test_a_released_sheet_reads_exactly_as_the_reader_gives_it(tmp_path):
    data = _mixed_workbook(tmp_path)
    plain, plain_notes = _read(data, 0)
    assert len(plain) == 47 and any(isinstance(v, dt.date) for _, r, _ in plain for v, _ in r.values())
    for release in (1, 5, 12, 100):  # the packs start at every point: inside the title, the header, the data
        assert _read(data, release) == (plain, plain_notes)


def test_the_reader_is_let_go_after_the_first_rows_and_the_heap_trimmed(monkeypatch):
    events = []

    class Reader:
        """Stands for calamine's row iterator: what holds the whole sheet."""

        def __init__(self, rows):
            self.rows = iter(rows)

        def __iter__(self):
            return self

        def __next__(self):
            return next(self.rows)

        def __del__(self):
            events.append("reader freed")

    monkeypatch.setattr(sheets, "_PACK_ROWS", 7)
    monkeypatch.setattr(sheets, "_free_heap", lambda: events.append("trimmed"))
    rows = generate_rows(30)
    out = []
    for row in sheets._released(Reader(rows), 10):
        out.append(row)
        events.append(len(out))
    assert out == rows
    assert events[9:12] == [10, "reader freed", "trimmed"], events  # freed before the 11th row is handed on
