"""The clean-up report workbook: every sheet, column, merged title, chart, print setting and row checked
against the registry; a report re-imported gives the same registry; every text cell is formula-safe."""
from __future__ import annotations

import datetime as dt
import zipfile

from openpyxl import load_workbook
from sqlmodel import select

from bot.config.settings import load_settings
from bot.db.models import Contact, Unit
from bot.registry.export import export_rows, guard_cell, write_table
from bot.registry.importer import import_file
from bot.registry.lookup import view_unit
from bot.registry.sheets import REGISTER_SHEET
from bot.reporting.collect import office_region
from bot.reporting.report import write_report
from bot.reporting.workbook import COVER_SHEET, DETAIL_HEADERS, DETAIL_SHEET
from knowledge.registry_model import HEADERS
from knowledge.units import KIND_LABELS
from tests.support.samples import ROWS, xlsx

TODAY = dt.date(2026, 11, 28)


def _fill(db, tmp_path):
    path = xlsx(tmp_path, ROWS)
    assert import_file(db.call, path.read_bytes(), path.name, "test").written

    def bare(session):
        unit = Unit(name="武定县档案馆", kind="institution_other")
        session.add(unit)
        session.flush()
        session.add(Contact(unit_id=unit.id, name="赵六", phone="0878-1234567"))
    db.call(bare)


def _views(db):
    return db.call(lambda s: {u.name: view_unit(s, u) for u in s.exec(select(Unit)).all()})


def test_report_workbook_matches_the_registry(db, tmp_path):
    _fill(db, tmp_path)
    out = tmp_path / "report.xlsx"
    report = db.call(lambda s: write_report(s, out, TODAY))
    workbook = load_workbook(out)
    assert workbook.sheetnames == [COVER_SHEET, DETAIL_SHEET, REGISTER_SHEET]

    cover = workbook[COVER_SHEET]
    assert cover["A1"].value == "武定县政府网站域名清理情况统计表" and cover["A1"].font.b
    assert "A1:H1" in {str(r) for r in cover.merged_cells.ranges}
    assert cover["A2"].value == "填报单位：武定县人民政府办公室" and "2026年11月28日" in cover["E2"].value
    assert "楚政办函〔2019〕8号" in cover["A3"].value  # the default campaign
    figures = {row[0].value: row[1].value for row in cover.iter_rows(min_row=6, max_row=16)}
    assert figures["单位数"] == 5 and figures["域名数"] == 5 and figures["未登记域名的单位"] == 1
    # www.wdrsj.com (in use) is replaced by rsj.wuding.gov.cn, which its unit already uses: to be announced and
    # cancelled (待注销), not one for which a compliant domain is still to be applied for
    assert figures["公告中"] == 1 and figures["需申请规范域名"] == 0 and figures["待注销"] == 2
    assert figures["保留的规范域名"] == 2 and figures["已逾期事项"] == 1
    assert all(isinstance(v, int) for v in figures.values())
    labels = [c.value for c in cover["A"] if c.value]
    assert "填表人：" in labels and any(c.value == "审核人：" for row in cover.iter_rows() for c in row)
    with zipfile.ZipFile(out) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        chart = archive.read(charts[0]).decode()
        assert "'汇总'!$B$" in chart and "barChart" in chart and 'val="percentStacked"' in chart

    detail = workbook[DETAIL_SHEET]
    assert detail["A1"].value == "武定县政府网站域名清理情况明细表"
    assert f"A1:{chr(64 + len(DETAIL_HEADERS))}1" in {str(r) for r in detail.merged_cells.ranges}
    assert [c.value for c in detail[3]] == list(DETAIL_HEADERS) and all(c.font.b for c in detail[3])
    assert detail.freeze_panes == "C4"
    assert detail.page_setup.orientation == "landscape" and int(detail.page_setup.paperSize) == 9
    # fit to one page wide (fitToWidth absent: the file format's default, 1), as tall as it takes
    assert detail.page_setup.fitToWidth in (None, 1) and detail.page_setup.fitToHeight == 0
    assert detail.sheet_properties.pageSetUpPr.fitToPage
    assert detail.print_title_rows == "$3:$3" and detail.print_options.gridLines
    assert detail.column_dimensions["B"].width > 20
    rows = [[c.value for c in row] for row in detail.iter_rows(min_row=4)]
    assert [r[0] for r in rows] == list(range(1, 7))
    col = {h: i for i, h in enumerate(DETAIL_HEADERS)}
    by_domain = {r[col["域名"]]: r for r in rows}
    views = _views(db)
    for name, view in views.items():
        for d in view.domains:
            row = by_domain[d.domain.unicode or d.domain.name]
            assert row[col["单位名称"]] == name and row[col["单位类型"]] == KIND_LABELS[view.unit.kind]
            assert row[col["是否规范"]] == ("是" if d.compliant else "否")
            assert row[col["当前状态"]] == d.domain.status
            due = row[col["计划完成时间"]]
            assert (due.date() if due else None) == (d.action.due if d.action.needed else None)
    czj = by_domain["czj.wuding.gov.cn"]
    assert czj[col["处理措施"]] == "公告后注销" and czj[col["联系人"]] == "李四"
    assert czj[col["计划完成时间"]] < dt.datetime(2026, 11, 28) and "已逾期" in czj[col["备注"]]
    overdue_row = next(detail.iter_rows(min_row=4 + rows.index(czj), max_row=4 + rows.index(czj)))
    assert overdue_row[0].fill.fgColor.rgb.endswith("FCE4E4")
    assert by_domain["www.wdrsj.com"][col["处理措施"]] == "公告后注销"  # its unit already uses rsj.wuding.gov.cn
    assert by_domain["www.wdrsj.com"][col["新域名"]] == "rsj.wuding.gov.cn"
    assert "四（一）" in by_domain["www.wdrsj.com"][col["存在问题"]] or by_domain["www.wdrsj.com"][col["存在问题"]]
    assert by_domain["www.wuding.gov.cn"][col["处理措施"]] == "保留"
    assert "ICP备案 滇ICP备1号" in by_domain["www.wuding.gov.cn"][col["备案注销情况"]]
    assert by_domain["www.wdxrmyy.gov.cn"][col["处理措施"]] == "注销"
    bare = [r for r in rows if r[col["域名"]] == "（无）"]
    assert len(bare) == 1 and bare[0][col["单位名称"]] == "武定县档案馆" and bare[0][col["联系人"]] == "赵六"
    assert [r[col["单位名称"]] for r in rows] == sorted(r[col["单位名称"]] for r in rows)  # in unit order
    assert report.registry.domains == 5


def test_report_reimports_to_the_same_registry(db, tmp_path, database_url):
    _fill(db, tmp_path)
    out = tmp_path / "report.xlsx"
    db.call(lambda s: write_report(s, out, TODAY))
    before = db.call(lambda s: list(export_rows(s)))
    from bot.db.storage import Database

    other = Database(f"sqlite:///{tmp_path / 'prefecture.sqlite3'}")
    other.upgrade()
    result = import_file(other.call, out.read_bytes(), out.name, "test")
    assert result.written and not result.errors and result.rows == 6  # 5 sites and a unit without one
    assert other.call(lambda s: list(export_rows(s))) == before
    other.dispose()


def test_prefecture_imports_several_county_reports(db, tmp_path):
    _fill(db, tmp_path)
    county_a = tmp_path / "a.xlsx"
    db.call(lambda s: write_report(s, county_a, TODAY))
    rows_b = [["禄丰县人民政府", "政府门户网站", "", "www.lufeng.gov.cn", "是", "规范在用"] + [""] * 11,
              ["禄丰县财政局", "政府部门网站", "", "www.lfczj.com", "否", "不规范"] + [""] * 11]
    from bot.db.storage import Database

    county_db = Database(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    county_db.upgrade()
    path_b = xlsx(tmp_path, rows_b, "b_in.xlsx")
    import_file(county_db.call, path_b.read_bytes(), path_b.name, "test")
    county_b = tmp_path / "b.xlsx"
    county_db.call(lambda s: write_report(s, county_b, TODAY))
    county_db.dispose()
    prefecture = Database(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    prefecture.upgrade()
    for path in (county_a, county_b):
        assert import_file(prefecture.call, path.read_bytes(), path.name, "test").written
    settings = load_settings(bot_region="楚雄彝族自治州")
    out = tmp_path / "p.xlsx"
    report = prefecture.call(lambda s: write_report(s, out, TODAY, settings))
    assert report.registry.domains == 7 and report.registry.units == 7  # the county's unit without a site too
    assert load_workbook(out)[COVER_SHEET]["A1"].value == "楚雄彝族自治州政府网站域名清理情况统计表"
    prefecture.dispose()


def test_region_from_the_names_units_share(db, tmp_path):
    assert db.call(lambda s: office_region(s, None)) == ""
    _fill(db, tmp_path)
    assert db.call(lambda s: office_region(s, None)) == "武定县"
    assert db.call(lambda s: office_region(s, load_settings(bot_region="禄丰市"))) == "禄丰市"
    from bot.registry.region import set_region

    db.call(lambda s: set_region(s, "云南省楚雄彝族自治州牟定县", "test"))  # /region: it titles the report
    assert db.call(lambda s: office_region(s, load_settings(bot_region="禄丰市"))) == "牟定县"


def test_every_workbook_writer_keeps_formulas_as_text(db, tmp_path):
    assert guard_cell("=1+1") == "'=1+1" and guard_cell("@SUM(A1)") == "'@SUM(A1)" and guard_cell(5) == 5
    assert guard_cell("武定县") == "武定县" and guard_cell("") == ""
    _fill(db, tmp_path)
    settings = load_settings(bot_region="=HYPERLINK(\"http://x\")")
    out = tmp_path / "r.xlsx"
    db.call(lambda s: write_report(s, out, TODAY, settings))
    workbook = load_workbook(out)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
    notes = workbook[REGISTER_SHEET]
    # a string cell, as written: never evaluated, and read back by an import exactly
    assert any(c.value == "=cmd|' /C calc'!A0" and c.data_type == "s" for row in notes.iter_rows() for c in row)
    csv_out = tmp_path / "r.csv"
    db.call(lambda s: write_report(s, csv_out, TODAY, settings))
    assert csv_out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")[:2] == ["序号", "单位名称"]
    plain = tmp_path / "t.xlsx"
    write_table(plain, [["=A1", "-x"]], headers=HEADERS)
    cells = next(load_workbook(plain)[REGISTER_SHEET].iter_rows(min_row=2))[:2]
    assert [(c.value, c.data_type) for c in cells] == [("=A1", "s"), ("-x", "s")]


def test_report_and_due_count_an_unreported_contact_change_alike(db, tmp_path):
    """A contact change not reported within its 20 working days is overdue for /due and for the report's
    已逾期事项 alike (one test, events.overdue_clause); once reported (done) it leaves both."""
    from bot.deadlines import events
    from bot.reporting.progress import agenda, registry_progress, summary_blocks
    from bot.reporting.report import build_report

    _fill(db, tmp_path)
    unit_id = db.call(lambda s: s.exec(select(Unit.id).where(Unit.name == "武定县档案馆")).one())

    def counts():
        report = db.call(lambda s: build_report(s, TODAY)).registry
        due = db.call(lambda s: agenda(s, TODAY, everything=True))
        unit_due = db.call(lambda s: agenda(s, TODAY, unit_ids=[unit_id]))
        return report.overdue_count, report.overdue_by_kind["institution_other"], due.total_overdue, \
            unit_due.total_overdue

    report_before, kind_before, due_before, unit_before = counts()
    assert unit_before == 0
    changed = [events.ContactEvent(unit_id, "武定县档案馆", "赵六", dt.date(2026, 9, 1)),  # due 2026-10-14: overdue
               events.ContactEvent(unit_id, "武定县档案馆", "钱七", dt.date(2026, 11, 20))]  # due in December
    assert db.call(lambda s: events.deadlines_for_events(s, contacts=changed)) == 2
    report_after, kind_after, due_after, unit_after = counts()
    assert report_after - report_before == 1 == due_after - due_before
    assert kind_after - kind_before == 1 and unit_after == 1
    for query in ("", "武定县档案馆"):  # /progress, whole registry and one unit, names the same item
        registry, _ = db.call(lambda s, q=query: registry_progress(s, TODAY, q))
        assert registry.overdue_other == 1
        assert "另有联系人变更逾期未报备 1 项" in "\n".join(summary_blocks(registry, "进度"))

    out = tmp_path / "report.xlsx"
    db.call(lambda s: write_report(s, out, TODAY))
    cover = load_workbook(out)[COVER_SHEET]
    figures = {row[0].value: row[1].value for row in cover.iter_rows(min_row=6, max_row=16)}
    assert figures["已逾期事项"] == report_after

    late_id = db.call(lambda s: s.exec(select(events.Deadline.id).where(
        events.Deadline.unit_id == unit_id, events.Deadline.due < TODAY)).one())
    db.call(lambda s: events.mark_done(s, late_id, "test", dt.datetime(2026, 11, 28, tzinfo=dt.UTC)))
    assert counts() == (report_before, kind_before, due_before, 0)
    assert db.call(lambda s: registry_progress(s, TODAY, "武定县档案馆"))[0].overdue_other == 0


def test_the_workbook_written_in_one_process_is_the_one_the_writing_child_writes(db, tmp_path, monkeypatch):
    """Where there is no fork the same rows are written in this process: the same workbook to a reader."""
    import os

    from scripts.compare_workbooks import compare

    _fill(db, tmp_path)
    forked, alone = tmp_path / "forked.xlsx", tmp_path / "alone.xlsx"
    db.call(lambda s: write_report(s, forked, TODAY))
    monkeypatch.delattr(os, "fork")
    db.call(lambda s: write_report(s, alone, TODAY))
    assert compare(str(forked), str(alone)) == 0


def test_a_failure_on_either_side_raises_here_and_leaves_no_file(db, tmp_path):
    """The writing child's error (a folder that is not there) is raised in this process; an error while the rows
    are made stops the child and leaves no file."""
    import datetime as dt

    import pytest

    from bot.reporting.report import report_header
    from bot.reporting.workbook import write_workbook

    _fill(db, tmp_path)
    with pytest.raises(Exception, match="nowhere"):
        db.call(lambda s: write_report(s, tmp_path / "nowhere" / "r.xlsx", TODAY))
    views = [v for v in _views(db).values()]
    header = db.call(lambda s: report_header(s, TODAY, None, None))

    def failing():
        yield views[0]
        raise RuntimeError("the database went away")

    out = tmp_path / "r.xlsx"
    with pytest.raises(RuntimeError, match="went away"):
        write_workbook(out, failing(), header, dt.date(2026, 11, 28))
    assert not out.exists()
