"""The registry keeps what the office gave it (issue 24): sites are host + path (a town's column of the county
portal is the town's site and never moves the portal), office sheets as offices make them (two-row headers
merged down, any parent cell over 姓名/电话/邮箱, 单位性质, 网站名称, units without sites, every error in one pass,
CSV rows without a unit refused), the report built from the registry as it is, and export → import changes
nothing."""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select

from bot.db.models import Contact, Domain, Unit
from bot.registry.edits import add_domain
from bot.registry.export import export_file
from bot.registry.importer import import_file
from bot.registry.lookup import RegistryError, lookup, view_unit
from knowledge.registry_model import HEADERS

REGION = "云南省楚雄彝族自治州武定县"
ROUND1 = Path(__file__).parent / "data" / "office_sheets"


def imported(db, data: bytes, name: str, **kw):
    return import_file(db.call, data, name, "test", region=kw.pop("region", REGION), **kw)


def table_xlsx(rows: list[list]) -> bytes:
    """Rows in the registry's column order (HEADERS), as a workbook."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text typed as text (openpyxl would store a formula)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def row(unit: str, domain: str, status: str = "在用", notes: str = "") -> list:
    return [unit, "", "", domain, "", status] + [""] * 10 + [notes, ""]


def sites(db) -> dict[str, str]:
    """'host/path' → the unit holding it."""
    def read(s):
        units = {u.id: u.name for u in s.exec(select(Unit)).all()}
        return {d.unicode + d.path: units[d.unit_id] for d in s.exec(select(Domain)).all()}
    return db.call(read)


def unit_view(db, name: str):
    return db.call(lambda s: view_unit(s, s.exec(select(Unit).where(Unit.name == name)).one()))


# -- sites: host + path ------------------------------------------------------------------------------------
def test_town_columns_of_the_portal_are_the_towns_sites_and_never_take_the_portal(db):
    rows = [row("武定县狮山镇人民政府", "http://www.wuding.gov.cn/shishan/"),  # the town's row first
            row("武定县人民政府", "www.wuding.gov.cn"),
            row("武定县近城镇人民政府", "www.wuding.gov.cn/jincheng/index.html?from=1"),
            row("武定县人民检察院", "http://www.yn.jcy.gov.cn/wuding/")]  # a column on another body's platform
    report = imported(db, table_xlsx(rows), "sites.xlsx")
    assert report.written and not report.errors, report.summary()
    assert sites(db) == {"www.wuding.gov.cn/shishan": "武定县狮山镇人民政府", "www.wuding.gov.cn": "武定县人民政府",
                         "www.wuding.gov.cn/jincheng": "武定县近城镇人民政府",
                         "www.yn.jcy.gov.cn/wuding": "武定县人民检察院"}
    portal = unit_view(db, "武定县人民政府").domains[0]
    assert portal.compliant and portal.action.action == "无需处理"
    town = unit_view(db, "武定县狮山镇人民政府").domains[0]
    assert town.compliant and town.action.action == "无需处理"  # the compliant form for a town
    column = unit_view(db, "武定县人民检察院").domains[0]
    assert column.compliant and "注销" not in column.action.action and not column.expected
    # the procuratorate's site is its own system's business (knowledge/naming: bodies with their own systems)
    assert any("检察机关系统" in note for note in column.notes), column.notes
    # /status of the portal names the portal's unit; of a column, the column's unit
    assert [v.unit.name for v in db.call(lambda s: lookup(s, "www.wuding.gov.cn"))] == ["武定县人民政府"]
    assert [v.unit.name for v in db.call(lambda s: lookup(s, "www.wuding.gov.cn/shishan/"))] == ["武定县狮山镇人民政府"]
    again = imported(db, table_xlsx(rows), "sites.xlsx")  # re-import: the same sites, nothing changes
    assert again.written and again.changes == 0 and again.unchanged == 4


def test_adddomain_takes_a_column_and_the_hosts_holder_stays(db):
    imported(db, table_xlsx([row("武定县人民政府", "www.wuding.gov.cn")]), "portal.xlsx")
    db.call(lambda s: add_domain(s, "武定县狮山镇人民政府", "www.wuding.gov.cn/shishan/", "test"))
    assert sites(db) == {"www.wuding.gov.cn": "武定县人民政府", "www.wuding.gov.cn/shishan": "武定县狮山镇人民政府"}
    with pytest.raises(RegistryError, match="已在登记册中"):
        db.call(lambda s: add_domain(s, "武定县狮山镇人民政府", "WWW.wuding.gov.cn/shishan", "test"))


def test_monitoring_watches_hosts_not_columns(db):
    from bot.config.settings import load_settings
    from bot.db.models import MonitorTarget
    from bot.monitoring.service import sync_targets

    rows = [row("武定县人民政府", "www.wuding.gov.cn"), row("武定县狮山镇人民政府", "www.wuding.gov.cn/shishan"),
            row("武定县人民检察院", "www.yn.jcy.gov.cn/wuding")]
    imported(db, table_xlsx(rows), "sites.xlsx")
    settings = load_settings(telegram_bot_token="1:x")
    db.call(lambda s: sync_targets(s, settings, dt.datetime.now(dt.UTC)))
    targets = db.call(lambda s: sorted(s.exec(select(MonitorTarget.name)).all()))
    assert targets == ["www.wuding.gov.cn"]


# -- office sheets -----------------------------------------------------------------------------------------
def office_sheet(parent: str) -> bytes:
    """A title, then a two-row header merged down (序号, 单位名称 … over both rows) with `parent` merged across
    姓名/电话/邮箱, units merged down their rows, 单位性质 and 网站名称 columns, a unit without a site."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["武定县政府网站域名统计表"])
    sheet.merge_cells("A1:J1")
    sheet.append(["序号", "单位名称", "单位性质", "网站名称", "域名", "域名状态", parent, None, None, "备注"])
    sheet.append([None, None, None, None, None, None, "姓名", "电话", "邮箱", None])
    for col in "ABCDEFJ":
        sheet.merge_cells(f"{col}2:{col}3")
    sheet.merge_cells("G2:I2")
    data = [
        [1, "武定县教育体育局", "行政机关", "武定教育网", "jytj.wuding.gov.cn", "在用", "张三", "0878-8711001", "zs@wd.cn", ""],
        [None, None, None, "武定教育网（旧）", "www.wdjy.com", "拟注销", None, None, None, "旧站：\n迁移中"],
        [2, "武定县不动产登记中心", "公益一类事业单位", "不动产登记", "www.wdbdc.cn", "在用", "李四", "13800000002", "", ""],
        [3, "武定县林业和草原局", "参公事业单位", "武定林草", "lcj.wuding.gov.cn", "在用", "王五", "0878-8711003", "", ""],
        [4, "武定县信访局", "行政机关", None, "无", "无", "赵六", "0878-8711004", "", "未开设网站"],
    ]
    for values in data:
        sheet.append(values)
    for col in "ABCGHI":
        sheet.merge_cells(f"{col}4:{col}5")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize("parent", ["联系人", "联系人信息", "联系方式"])
def test_a_two_row_merged_header_with_any_parent_cell_over_the_contact(db, parent):
    report = imported(db, office_sheet(parent), "office.xlsx")
    assert report.written and not report.errors and report.rows == 5, report.summary()
    assert report.units_created == 4 and report.domains_created == 4 and report.units_without_site == 1
    assert any("武定县信访局" in note and "没有网站" in note for note in report.notes)

    def read(s):
        units = {u.name: u for u in s.exec(select(Unit)).all()}
        people = {units_by_id: (c.name, c.phone, c.email) for units_by_id, c in
                  ((next(n for n, u in units.items() if u.id == c.unit_id), c) for c in s.exec(select(Contact)).all())}
        names = {d.name: (d.site_name, d.status, d.notes) for d in s.exec(select(Domain)).all()}
        return {n: u.kind for n, u in units.items()}, people, names
    kinds, people, names = db.call(read)
    assert kinds == {"武定县教育体育局": "department", "武定县不动产登记中心": "institution_other",
                     "武定县林业和草原局": "institution_admin", "武定县信访局": "department"}
    assert people["武定县教育体育局"] == ("张三", "0878-8711001", "zs@wd.cn")
    assert people["武定县信访局"] == ("赵六", "0878-8711004", "")
    assert names["www.wdjy.com"] == ("武定教育网（旧）", "待注销", "旧站：\n迁移中")  # the note as written


def test_a_nature_written_under_the_kind_column_never_blocks(db):
    text = ("单位名称,单位类型,域名\n"
            "武定县财政局,行政机关,czj.wuding.gov.cn\n"
            "武定县融媒体中心,公益二类事业单位,www.wdrmt.cn\n"
            "武定县人民检察院,检察机关,www.yn.jcy.gov.cn/wuding/\n")
    report = imported(db, text.encode(), "k.csv")
    assert report.written and not report.errors, report.summary()
    kinds = db.call(lambda s: dict(s.exec(select(Unit.name, Unit.kind)).all()))
    assert kinds == {"武定县财政局": "department", "武定县融媒体中心": "institution_other",
                     "武定县人民检察院": "department"}


def test_every_error_in_one_pass_duplicates_of_bad_rows_too(db):
    rows = [row("武定县财政局", "czj.wuding.gov.cn", status="乱写"),  # bad, and its site named again below
            row("武定县财政局", "czj.wuding.gov.cn"),
            ["武定县审计局", "", "", "", "", "在用", "", "2019-02-30"] + [""] * 9]  # a site without its domain
    report = imported(db, table_xlsx(rows), "bad.xlsx")
    assert not report.written
    errors = {(r, m.split("：")[0]) for r, m in report.errors}
    assert errors == {(2, "状态"), (3, "域名"), (4, "域名"), (4, "注册日期")}, report.errors


def test_csv_rows_without_a_unit_are_refused_with_their_row_numbers(db):
    text = ("单位名称,单位性质,域名,状态\n"
            "武定县财政局,行政机关,czj.wuding.gov.cn,在用\n"
            ",,www.wdczj.com,公告中\n"
            "武定县民政局,行政机关,mzj.wuding.gov.cn,在用\n")
    report = imported(db, text.encode("utf-8-sig"), "a.csv")
    assert not report.written and [(r, m.split("：")[0]) for r, m in report.errors] == [(3, "单位名称")]


# -- export → import ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_import_changes_nothing(db, tmp_path, suffix):
    notes = ["主办：县政府办公室\n联系人：张三", "+86 0878-8711677", "=1+1 不是公式", "-", "'已加引号"]
    rows = [row("武定县人民政府", "www.wuding.gov.cn", notes=notes[0]),
            row("武定县狮山镇人民政府", "www.wuding.gov.cn/shishan", notes=notes[1]),
            row("武定县财政局", "czj.wuding.gov.cn", notes=notes[2]),
            row("武定县民政局", "mzj.wuding.gov.cn", notes=notes[3]),
            row("武定县商务局", "swj.wuding.gov.cn", notes=notes[4]),
            ["武定县信访局", "", "", "", "", "", "", "", "", "", "", "", "", "赵六", "0878-8711004", "", ""]]
    assert imported(db, table_xlsx(rows), "in.xlsx").written
    before = sites(db)
    out = tmp_path / f"out{suffix}"
    db.call(lambda s: export_file(s, out))
    again = imported(db, out.read_bytes(), out.name)
    assert again.written and again.changes == 0 and again.unchanged == 5, again.summary()
    assert sites(db) == before
    kept = db.call(lambda s: sorted(s.exec(select(Domain.notes)).all()))
    assert kept == sorted(notes)
    # into an empty registry: the same rows come out again, the unit without a site among them
    from bot.db.storage import Database
    from bot.registry.export import export_rows

    other = Database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    other.upgrade()
    assert import_file(other.call, out.read_bytes(), out.name, "test", region=REGION).written
    exported = db.call(lambda s: list(export_rows(s)))
    assert other.call(lambda s: list(export_rows(s))) == exported and len(exported) == 6
    other.dispose()


# -- the report ----------------------------------------------------------------------------------------------
def test_the_report_rows_come_from_the_registry(db, tmp_path):
    from python_calamine import CalamineWorkbook

    from bot.db.models import Deadline
    from bot.deadlines.events import CONTACT_RULE
    from bot.reporting.report import write_report

    rows = [row("武定县人民政府", "www.wuding.gov.cn"),
            row("武定县财政局", "czj.wuding.gov.cn"), row("武定县财政局", "www.wdczj.com", notes="旧域名：已迁移"),
            row("武定县审计局", "sjj.wuding.gov.cn"), row("武定县大数据管理局", "www.wddsj.com"),
            ["武定县信访局", "", "", "", "", "", "", "", "", "", "", "", "", "赵六", "0878-8711004", "", ""]]
    rows[0][HEADERS.index("网站名称")] = "武定县人民政府门户网站"
    assert imported(db, table_xlsx(rows), "in.xlsx").written
    today = dt.date(2026, 11, 28)

    def late(s):
        unit = s.exec(select(Unit).where(Unit.name == "武定县财政局")).one()
        s.add(Deadline(key=f"test-contact-{unit.id}", rule=CONTACT_RULE, unit_id=unit.id,
                       due=today - dt.timedelta(days=3), status="open", title="联系人变更报备"))
    db.call(late)
    out = tmp_path / "report.xlsx"
    report = db.call(lambda s: write_report(s, out, today))
    detail = CalamineWorkbook.from_path(out).get_sheet_by_name("清理明细").to_python()
    header = detail[2]
    col = {h: i for i, h in enumerate(header)}
    by_site = {r[col["域名"]]: r for r in detail[3:] if r[col["域名"]]}
    assert by_site["www.wuding.gov.cn"][col["网站名称"]] == "武定县人民政府门户网站"
    old = by_site["www.wdczj.com"]
    assert old[col["处理措施"]] == "公告后注销" and old[col["新域名"]] == "czj.wuding.gov.cn"
    assert "旧域名：已迁移" in old[col["备注"]] and "联系人变更逾期" in old[col["备注"]]
    assert "联系人变更逾期" not in by_site["www.wuding.gov.cn"][col["备注"]]
    registered = set(sites(db))
    # a department's 新域名 is never another unit's domain (the name rules would suggest the 审计局's sjj.…)
    data = by_site["www.wddsj.com"]
    assert data[col["处理措施"]] == "申请规范域名" and data[col["新域名"]].endswith("（建议）"), data
    assert data[col["新域名"]].removesuffix("（建议）") not in registered
    figures = dict(report.registry.figures())
    assert figures["单位数"] == 5 and figures["域名数"] == 5 and figures["未登记域名的单位"] == 1
    assert sum(figures[k] for k in ("保留的规范域名", "需申请规范域名", "公告中", "待注销", "已注销")) == 5


# -- the round-1 office sheets (scored before they were added here) --------------------------------------------
def test_round_one_county_sheet_imports_whole(db):
    expected = json.loads((ROUND1 / "expected.json").read_text(encoding="utf-8"))
    report = imported(db, (ROUND1 / "county_registry.xlsx").read_bytes(), "county_registry.xlsx", region="")
    assert report.written and not report.errors, report.summary()
    assert report.units_created == expected["units"] and report.domains_created == expected["site_rows"]
    assert report.units_without_site == expected["units_without_site"]["count"]
    held = sites(db)
    for site in expected["sites"]:
        assert held[site["host"] + site["path"]] == site["unit"], site
    statuses = db.call(lambda s: sorted(s.exec(select(Domain.status)).all()))
    assert {s: statuses.count(s) for s in set(statuses)} == expected["status_counts"]


def test_round_one_sheets_with_errors_list_every_error_once(db):
    expected = json.loads((ROUND1 / "expected_errors.json").read_text(encoding="utf-8"))
    report = imported(db, (ROUND1 / "county_registry_errors.xlsx").read_bytes(), "e.xlsx", region="")
    assert not report.written and sorted({r for r, _ in report.errors}) == [e["row"] for e in expected["xlsx"]]
    assert report.error_count == len(expected["xlsx"])
    csv_report = imported(db, (ROUND1 / "county_registry.csv").read_bytes(), "c.csv", region="")
    assert [r for r, _ in csv_report.errors] == [e["row"] for e in expected["csv"]]
    assert csv_report.rows - len(csv_report.bad_rows) == expected["csv_valid_rows"]
