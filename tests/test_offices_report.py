"""Reports, exports and /progress of a deployment with offices (notes/offices-at-every-level.md, Roll-up): the
home office's report opens with the figures by office below, each row equal to that office's own report; an
office's report is what a single-office deployment of it gives, and its register imports at the level above;
/progress at the top lists the offices below, each a button to its own progress, checked on every press."""
from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.db.models import Unit
from bot.offices.service import add_office
from bot.registry.export import export_rows
from bot.registry.import_writer import ImportTarget
from bot.registry.importer import import_file
from bot.registry.lookup import UnitScope
from bot.registry.sheets import REGISTER_SHEET
from bot.reporting.progress import digest_text, find_units, office_lines, registry_progress
from bot.reporting.report import build_report, write_report
from bot.reporting.workbook import COVER_SHEET, DETAIL_SHEET, OFFICE_CAPTION, OFFICE_FIGURES, OFFICE_HEADERS
from knowledge.offices import read_place

HOME = "楚雄彝族自治州"
TODAY = dt.date(2026, 11, 28)
SHEET = """单位名称,域名,状态,状态变更日期,联系人,联系电话
楚雄州人民政府,www.cxz.gov.cn,规范在用,,甲,13900000000
楚雄州人民政府,www.chuxiong.com,不规范,,甲,13900000000
楚雄州林业和草原局,lcj.cxz.gov.cn,规范在用,,乙,13900000001
楚雄州林业和草原局,www.cxlcj.com,公告中,2026-09-01,乙,13900000001
楚雄州教育体育局,,,,乙二,13900000011
武定县人民政府,www.wuding.gov.cn,规范在用,,丙,13900000002
武定县教育体育局,jyj.wuding.gov.cn,规范在用,,丁,13900000003
武定县教育体育局,www.wdjyj.com,不规范,,丁,13900000003
武定县财政局,czj.wuding.gov.cn,公告中,2026-01-31,丁二,13900000013
武定县人民医院,www.wdxrmyy.gov.cn,闲置,,丁三,13900000023
武定县狮山镇人民政府,,,,己,13900000005
禄丰市人民政府,www.lufeng.gov.cn,规范在用,,庚,13900000006
禄丰市财政局,czj.lufeng.gov.cn,规范在用,,戊,13900000004
禄丰市财政局,www.lfczj.com,已注销,2026-10-09,戊,13900000004
禄丰市卫生健康局,www.lfwjj.com,待注销,,辛,13900000007
"""
ADMINS = {"武定县": 111, "禄丰市": 222, "楚雄州直部门": 333}


def _import(db, sheet: str, region: str = HOME, target: ImportTarget | None = None):
    return import_file(db.call, sheet.encode("utf-8"), "sheet.csv", "test", region=region, target=target)


@pytest.fixture
def prefecture(db):
    """楚雄州 at home (its government's units its own); 武定县, 禄丰市 and the 州直部门 group under it, each with an
    admin; a contact change of 武定县财政局 not reported in time."""
    from bot.deadlines import events

    assert _import(db, SHEET).written
    ids = {}
    for region, admin, departments in (("武定县", 111, False), ("禄丰市", 222, False), ("楚雄州", 333, True)):
        office = db.call(lambda s, r=region, a=admin, d=departments: add_office(s, r, HOME, "cli", (a,), d).id)
        ids["楚雄州直部门" if departments else region] = office
    unit = db.call(lambda s: s.exec(select(Unit.id).where(Unit.name == "武定县财政局")).one())
    late = [events.ContactEvent(unit, "武定县财政局", "丁二", dt.date(2026, 9, 1))]
    assert db.call(lambda s: events.deadlines_for_events(s, contacts=late)) == 1
    return ids


def _settings():
    from bot.config.settings import load_settings

    return load_settings(bot_region=HOME)


def _rows_from(sheet, first: int, stop) -> list[list]:
    rows = []
    for row in sheet.iter_rows(min_row=first, values_only=True):
        if stop(row):
            break
        rows.append(list(row))
    return rows


def _office_table(path) -> dict[str, dict[str, object]]:
    """The cover's table by office: label → {header: value}."""
    cover = load_workbook(path)[COVER_SHEET]
    at = next(i for i, row in enumerate(cover.iter_rows(values_only=True), 1) if row[0] == OFFICE_CAPTION)
    header = [c.value for c in cover[at + 1]][:len(OFFICE_HEADERS)]
    assert header == list(OFFICE_HEADERS)
    table = {}
    for row in cover.iter_rows(min_row=at + 2, values_only=True):
        table[row[0]] = dict(zip(header[1:], row[1:len(header)]))
        if row[0] == "合计":
            return table
    raise AssertionError("no 合计 row")


def _own_figures(path) -> dict[str, object]:
    """An office's own report's cover: its 项目/数量 figures and the kind table's 合计 完成率."""
    cover = load_workbook(path)[COVER_SHEET]
    rows = list(cover.iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows) if row[:2] == ("项目", "数量"))
    figures = {}
    for row in rows[at + 1:]:
        if row[0] is None:
            break
        figures[row[0]] = row[1]
    kinds = next(i for i, row in enumerate(rows) if row[0] == "单位类型")
    total = next(row for row in rows[kinds:] if row[0] == "合计")
    figures["完成率"] = total[list(rows[kinds]).index("完成率")]
    return figures


def test_the_home_report_rolls_up_each_office_as_its_own_report_counts_it(db, prefecture, tmp_path):
    home = tmp_path / "home.xlsx"
    report = db.call(lambda s: write_report(s, home, TODAY, _settings()))
    table = _office_table(home)
    assert list(table) == ["楚雄州直部门", "禄丰市", "武定县", f"{HOME}本级", "合计"]
    for label, office_id in prefecture.items():
        own = tmp_path / f"{office_id}.xlsx"
        db.call(lambda s, o=office_id, p=own: write_report(s, p, TODAY, _settings(), o))
        figures = _own_figures(own)
        assert table[label] == {h: figures[h] for h in (*OFFICE_FIGURES, "完成率")}, label
        assert table[label]["域名数"] > 0 or label == "楚雄州直部门"
        # the same from the counts alone, without a file
        counted = db.call(lambda s, o=office_id: build_report(s, TODAY, _settings(), o)).registry
        row = next(r for r in report.registry.by_office.rows if r.office_id == office_id)
        assert row.registry.figures() == counted.figures() and row.registry.completion == counted.completion
    assert table["武定县"]["已逾期事项"] >= 2  # 武定县财政局's notice and its unreported contact change
    # the home's own units and the offices add up to the whole, which is the home report's own figures
    whole = _own_figures(home)
    for header in OFFICE_FIGURES:
        assert table["合计"][header] == whole[header] == sum(v[header] for k, v in table.items() if k != "合计")
    assert table["合计"]["完成率"] == whole["完成率"]
    own_units = db.call(lambda s: s.exec(select(Unit.name).where(Unit.office_id.is_(None))).all())
    assert table[f"{HOME}本级"]["单位数"] == len(own_units) == 1
    with zipfile.ZipFile(home) as archive:  # the table's chart and the kinds' chart
        charts = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2 and any("各下级办公室清理进度" in c and "'汇总'!$A$" in c for c in charts)
    # the table comes before the rest of the cover
    cover_rows = [r[0] for r in load_workbook(home)[COVER_SHEET].iter_rows(values_only=True)]
    assert cover_rows.index(OFFICE_CAPTION) < cover_rows.index("项目") < cover_rows.index("单位类型")
    assert "按下级办公室：" in report.summary() and "武定县" in report.summary()


def test_the_home_report_without_a_configured_region_is_titled_by_the_home_s_own_units(db, prefecture):
    """Most units are the counties' (武定县…): the home's cover still names the prefecture, read from its own units."""
    from bot.reporting.collect import office_region

    assert db.call(lambda s: office_region(s, None)) == HOME
    assert db.call(lambda s: build_report(s, TODAY)).header.office == f"{HOME}人民政府办公室"


def test_an_office_with_no_office_below_gets_no_roll_up(db, prefecture, tmp_path):
    out = tmp_path / "wuding.xlsx"
    db.call(lambda s: write_report(s, out, TODAY, _settings(), prefecture["武定县"]))
    cells = [c for row in load_workbook(out)[COVER_SHEET].iter_rows(values_only=True) for c in row]
    assert OFFICE_CAPTION not in cells


def test_a_county_report_is_the_single_office_report_of_its_units(db, prefecture, tmp_path, monkeypatch):
    """武定县's report in the prefecture's deployment is the workbook a deployment of 武定县 alone writes: the same
    cover (its own office and region, not the prefecture's), detail and register."""
    from bot.db.storage import Database
    from bot.reporting.collect import office_region
    from scripts.compare_workbooks import compare

    wuding = prefecture["武定县"]
    in_prefecture = tmp_path / "in_prefecture.xlsx"
    db.call(lambda s: write_report(s, in_prefecture, TODAY, _settings(), wuding))
    alone = Database(f"sqlite:///{tmp_path / 'wuding.sqlite3'}")
    alone.upgrade()
    exported = tmp_path / "wuding_export.xlsx"
    from bot.registry.export import export_file

    db.call(lambda s: export_file(s, exported, scope=UnitScope(frozenset({wuding}))))
    assert import_file(alone.call, exported.read_bytes(), exported.name, "test", region="武定县").written
    from bot.deadlines import events

    unit = alone.call(lambda s: s.exec(select(Unit.id).where(Unit.name == "武定县财政局")).one())
    alone.call(lambda s: events.deadlines_for_events(s, contacts=[events.ContactEvent(unit, "武定县财政局", "丁二",
                                                                                      dt.date(2026, 9, 1))]))
    single = tmp_path / "single.xlsx"
    from bot.config.settings import load_settings

    alone.call(lambda s: write_report(s, single, TODAY, load_settings(bot_region="武定县")))
    assert alone.call(lambda s: office_region(s, None)) == "武定县"
    alone.dispose()
    assert compare(str(in_prefecture), str(single)) == 0
    cover = load_workbook(in_prefecture)[COVER_SHEET]
    assert cover["A1"].value == "武定县政府网站域名清理情况统计表"
    assert cover["A2"].value == "填报单位：武定县人民政府办公室"
    detail = load_workbook(in_prefecture)[DETAIL_SHEET]
    units = {row[1] for row in detail.iter_rows(min_row=4, values_only=True)}
    assert units == {"武定县人民政府", "武定县教育体育局", "武定县财政局", "武定县人民医院", "武定县狮山镇人民政府"}


def test_a_county_report_register_imports_at_the_level_above(db, prefecture, tmp_path):
    """The 域名登记 sheet of 禄丰市's report: into another database it gives 禄丰市's rows; back into the
    prefecture's (with or without --office) it changes nothing."""
    from bot.db.storage import Database

    lufeng = prefecture["禄丰市"]
    out = tmp_path / "lufeng.xlsx"
    db.call(lambda s: write_report(s, out, TODAY, _settings(), lufeng))
    assert load_workbook(out).sheetnames[:3] == [COVER_SHEET, DETAIL_SHEET, REGISTER_SHEET]
    scope = UnitScope(frozenset({lufeng}))
    county_rows = db.call(lambda s: list(export_rows(s, scope)))
    assert {row[0] for row in county_rows} == {"禄丰市人民政府", "禄丰市财政局", "禄丰市卫生健康局"}
    other = Database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    other.upgrade()
    result = import_file(other.call, out.read_bytes(), out.name, "test", region=HOME)
    assert result.written and not result.errors and result.rows == len(county_rows)
    assert other.call(lambda s: list(export_rows(s))) == county_rows
    other.dispose()
    before = db.call(lambda s: (list(export_rows(s)), s.exec(select(Unit.name, Unit.office_id).order_by(Unit.name)).all()))
    assert import_file(db.call, out.read_bytes(), out.name, "test", region=HOME).written
    target = ImportTarget(lufeng, read_place("禄丰市"))
    assert import_file(db.call, out.read_bytes(), out.name, "test", region="禄丰市", target=target).written
    after = db.call(lambda s: (list(export_rows(s)), s.exec(select(Unit.name, Unit.office_id).order_by(Unit.name)).all()))
    assert after == before


def test_cli_report_and_export_take_an_office(db, prefecture, tmp_path, monkeypatch, capsys, database_url):
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_REGION", HOME)
    out = tmp_path / "wuding.xlsx"
    assert main(["report", str(out), "--office", "武定县"]) == 0
    assert "武定县政府网站域名清理情况统计表" in capsys.readouterr().out
    assert load_workbook(out)[COVER_SHEET]["A2"].value == "填报单位：武定县人民政府办公室"
    exported = tmp_path / "wuding.csv"
    assert main(["export", str(exported), "--office", "武定县"]) == 0
    names = {line.split(",")[0] for line in exported.read_text(encoding="utf-8-sig").splitlines()[1:]}
    assert names == {"武定县人民政府", "武定县教育体育局", "武定县财政局", "武定县人民医院", "武定县狮山镇人民政府"}
    assert main(["report", str(tmp_path / "x.xlsx"), "--office", "牟定县"]) == 2
    assert main(["export", str(tmp_path / "x.csv"), "--office", "火星县"]) == 2
    assert "没有“火星县”这个下级办公室" in capsys.readouterr().err
    home = tmp_path / "home.xlsx"
    assert main(["report", str(home)]) == 0
    assert "武定县" in _office_table(home) and "按下级办公室" in capsys.readouterr().out


def test_progress_at_the_top_lists_each_office_and_an_office_sees_only_its_own(db, prefecture):
    registry, _ = db.call(lambda s: registry_progress(s, TODAY, "", HOME))
    lines = dict(office_lines(registry))
    assert [row.label for row in registry.by_office.rows] == ["楚雄州直部门", "禄丰市", "武定县", "本级"]
    for label, office_id in prefecture.items():
        own, _ = db.call(lambda s, o=office_id: registry_progress(s, TODAY, "", HOME, o))
        assert f"• <b>{label}</b>：{own.units} 个单位，{own.domains} 个域名，完成率 {own.completion:.0%}，" \
               f"已逾期 {own.overdue_count}" == lines[office_id]
        assert own.by_office is None  # nothing below a county here
    wuding, _ = db.call(lambda s: registry_progress(s, TODAY, "", HOME, prefecture["武定县"]))
    assert {line.unit.unit.name for line in wuding.lines} | {u.unit.name for u in wuding.bare_units} == {
        "武定县人民政府", "武定县教育体育局", "武定县财政局", "武定县人民医院", "武定县狮山镇人民政府"}
    # a narrowed /progress of an office finds nothing of a sibling's, by name, short name or misspelling
    scope = UnitScope(frozenset({prefecture["武定县"]}))
    for query in ("禄丰市财政局", "禄丰", "林业和草原局"):
        assert db.call(lambda s, q=query: find_units(s, q, "武定县", scope)) == []
        assert db.call(lambda s, q=query: registry_progress(s, TODAY, q, HOME, prefecture["武定县"])) is None
    found, names = db.call(lambda s: registry_progress(s, TODAY, "财政局", HOME, prefecture["武定县"]))
    assert names == ["武定县财政局"]
    with pytest.raises(LookupError):
        db.call(lambda s: registry_progress(s, TODAY, "", HOME, 999999))


def test_an_office_admin_s_weekly_digest_is_their_office_s(db, prefecture):
    from bot.db.models import Delivery
    from bot.reporting.progress import enqueue_weekly_digests

    wuding = db.call(lambda s: digest_text(s, TODAY, None, prefecture["武定县"]))
    everything = db.call(lambda s: digest_text(s, TODAY, None))
    assert "5 个单位" in wuding and "11 个单位" in everything
    now = dt.datetime(2026, 11, 30, 1, tzinfo=dt.UTC)  # a Monday
    assert db.call(lambda s: enqueue_weekly_digests(s, now, dt.date(2026, 11, 30), 1, frozenset({42}))) == 4
    sent = dict(db.call(lambda s: s.exec(select(Delivery.chat_id, Delivery.text)).all()))
    assert "11 个单位" in sent[42] and "5 个单位" in sent[111] and "3 个单位" in sent[222]
    assert "楚雄州林业" not in json.dumps(sent[111], ensure_ascii=False)


# -- in chat ---------------------------------------------------------------------------------------------------
async def test_progress_and_report_in_chat_by_office(running_bot, fake_api, tmp_path):
    """The home admin's /progress lists the offices below, each a button; an office's admin gets their office's
    progress and report, and a button for a sibling office (or the home's lists) is refused on press."""
    from tests.support.samples import ADMIN

    db = running_bot.bot_data.db
    await running_bot.bot_data.warm_up
    assert _import(db, SHEET).written
    ids = {r: db.call(lambda s, r=r, a=a: add_office(s, r, HOME, "cli", (a,)).id)
           for r, a in (("武定县", 111), ("禄丰市", 222))}

    def texts_to(chat):
        return [c.params.get("text", "") for c in fake_api.calls
                if c.method in ("sendMessage", "editMessageText") and int(c.params.get("chat_id", 0)) == chat]

    def keyboard_of(chat, marker):
        call = next(c for c in reversed(fake_api.calls) if c.method == "sendMessage" and int(c.params.get("chat_id", 0)) == chat
                    and marker in c.params.get("text", "") and "reply_markup" in c.params)
        return [b for row in json.loads(call.params["reply_markup"])["inline_keyboard"] for b in row]

    async def said(chat, *needles):
        assert await fake_api.until(lambda calls: any(all(n in t for n in needles) for t in texts_to(chat)),
                                    timeout=20), (needles, texts_to(chat))
        return next(t for t in texts_to(chat) if all(n in t for n in needles))

    fake_api.push_text("/progress", chat_id=ADMIN, user_id=ADMIN)
    top = await said(ADMIN, "各下级办公室")
    assert "<b>武定县</b>：5 个单位" in top and "<b>禄丰市</b>：3 个单位" in top
    buttons = keyboard_of(ADMIN, "各下级办公室")
    office_buttons = {b["text"]: b["callback_data"] for b in buttons if b["callback_data"].startswith("po:")}
    assert office_buttons == {"禄丰市": f"po:{ids['禄丰市']}", "武定县": f"po:{ids['武定县']}"}
    message = fake_api.make_message("x", chat_id=ADMIN, user_id=777000111)
    fake_api.push_callback(office_buttons["武定县"], message, user_id=ADMIN)
    opened = await said(ADMIN, "武定县人民政府办公室：清理进度")
    assert "5 个单位" in opened and "禄丰" not in opened

    # 武定县's admin: their office's progress, nothing of 禄丰市's, in text or buttons
    fake_api.push_text("/progress", chat_id=111, user_id=111)
    own = await said(111, "武定县人民政府办公室：清理进度")
    assert "5 个单位" in own and "禄丰" not in own and "楚雄州" not in own
    assert all(not b["callback_data"].startswith("po:") for b in keyboard_of(111, "清理进度"))
    theirs = fake_api.make_message("x", chat_id=111, user_id=777000111)
    fake_api.push_callback(office_buttons["禄丰市"], theirs, user_id=111)  # a sibling's office: refused
    home_list = next(b["callback_data"] for b in buttons if b["callback_data"].startswith("pg:"))
    fake_api.push_callback(home_list, theirs, user_id=111)  # the home's lists: refused
    assert await fake_api.until(lambda calls: sum(
        c.method == "answerCallbackQuery" and "只能查看本办公室" in c.params.get("text", "") for c in calls) >= 2)
    fake_api.push_callback(office_buttons["武定县"], theirs, user_id=111)  # their own: shown
    assert await fake_api.until(lambda calls: len([t for t in texts_to(111) if "武定县人民政府办公室：清理进度" in t]) >= 2)
    assert all("禄丰" not in t for t in texts_to(111))
    fake_api.push_callback(office_buttons["武定县"], theirs, user_id=5001)  # not an admin at all
    assert await fake_api.until(lambda calls: any(c.method == "answerCallbackQuery" and "只有管理员" in c.params.get("text", "")
                                                  for c in calls))

    # /report: the office's own report
    fake_api.push_text("/report", chat_id=111, user_id=111)
    summary = await said(111, "武定县政府网站域名清理情况统计表")
    assert "5 个单位" in summary and "按下级办公室" not in summary
    assert await fake_api.until(lambda calls: any(c.method == "sendDocument" and int(c.params.get("chat_id", 0)) == 111
                                                  for c in calls), timeout=30)


def test_a_prefecture_office_in_a_province_rolls_up_its_counties(db, tmp_path):
    """A province deployment: 楚雄州's office has 武定县 and 禄丰市 below it; its report's table has their rows and
    its own units' (楚雄州's), each equal to that office's own report; the province's table has 楚雄州 as one row."""
    assert _import(db, SHEET, "云南省").written
    ids = {r: db.call(lambda s, r=r: add_office(s, r, "云南省", "cli").id) for r in ("楚雄州", "武定县", "禄丰市")}
    out = tmp_path / "chuxiong.xlsx"
    report = db.call(lambda s: write_report(s, out, TODAY, None, ids["楚雄州"]))
    table = _office_table(out)
    assert list(table) == ["禄丰市", "武定县", "楚雄彝族自治州本级", "合计"]
    assert load_workbook(out)[COVER_SHEET]["A2"].value == "填报单位：楚雄彝族自治州人民政府办公室"
    for label in ("禄丰市", "武定县"):
        own = db.call(lambda s, o=ids[label]: build_report(s, TODAY, None, o)).registry
        assert [table[label][h] for h in OFFICE_FIGURES] == [dict(own.figures())[h] for h in OFFICE_FIGURES]
    assert table["楚雄彝族自治州本级"]["单位数"] == 3 and report.registry.units == 11
    home = db.call(lambda s: build_report(s, TODAY, load_settings_for("云南省"))).registry
    assert [(r.label, r.registry.units) for r in home.by_office.rows] == [("楚雄彝族自治州", 11), ("云南省本级", 0)]


def load_settings_for(region: str):
    from bot.config.settings import load_settings

    return load_settings(bot_region=region)
