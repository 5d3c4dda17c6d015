"""What the import does for memory must not change what it reads or writes: a sheet released by the reader (its
rows held packed, the reader's copy freed early) gives the very rows, values and types the reader gives; the
writer, holding the phone and e-mail only of contacts seen again, still ends with each contact's last row."""
from __future__ import annotations

import datetime as dt
import json

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


def test_a_contact_on_several_rows_ends_with_its_last_phone_and_email(db, tmp_path):
    """The writer holds the phone and e-mail only of contacts seen again; the last row still wins, a row that
    changes nothing writes nothing, and a known contact's change is one audited update."""
    from sqlmodel import select

    from bot.db.models import AuditLog, Contact
    from bot.registry.spreadsheet import import_file
    from tests.support.samples import xlsx

    def row(unit: str, n: int, contact: str, phone: str, email: str = "") -> list:
        return [unit, "政府部门网站", "", f"c{n}.wuding.gov.cn", "否", "在用"] + [""] * 7 + [contact, phone, email, ""]

    first = [row("武定县财政局", 1, "张三", "0878-1111111"), row("武定县财政局", 2, "张三", "0878-2222222"),
             row("武定县财政局", 3, "张三", "0878-1111111"),  # back to the first value: it stays
             row("武定县教育局", 4, "李四", "0878-3333333", "ls@example.cn"),
             row("武定县教育局", 5, "李四", "0878-3333333", "ls@example.cn"),
             row("武定县民政局", 6, "王五", "0878-4444444"), row("武定县民政局", 7, "王五", "0878-5555555")]
    report = import_file(db.call, xlsx(tmp_path, first, "first.xlsx").read_bytes(), "first.xlsx", "test")
    assert report.written and report.contacts_created == 3 and report.contacts_updated == 0

    def contacts():
        return db.call(lambda s: sorted((c.name, c.phone, c.email) for c in s.exec(select(Contact)).all()))

    assert contacts() == [("张三", "0878-1111111", ""), ("李四", "0878-3333333", "ls@example.cn"),
                          ("王五", "0878-5555555", "")]
    again = [row("武定县财政局", 1, "张三", "0878-6666666"), row("武定县财政局", 2, "张三", "0878-7777777"),
             row("武定县教育局", 4, "李四", "0878-3333333", "ls@example.cn")]
    report = import_file(db.call, xlsx(tmp_path, again, "again.xlsx").read_bytes(), "again.xlsx", "test")
    assert report.contacts_created == 0 and report.contacts_updated == 1
    assert contacts()[0] == ("张三", "0878-7777777", "")
    audits = db.call(lambda s: [(a.summary, json.loads(a.before), json.loads(a.after)) for a in s.exec(
        select(AuditLog).where(AuditLog.entity == "contact")).all()])
    # "单位 姓名", as chat edits write it (a unit's /history finds its contacts by it)
    assert audits == [("武定县财政局 张三", {"phone": "0878-1111111", "email": ""}, {"phone": "0878-7777777", "email": ""})]
