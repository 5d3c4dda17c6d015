"""Findings of the fresh-eyes trial (notes/trial-as-users.md): each test failed before its fix."""
from __future__ import annotations

import re

import pytest

from knowledge.naming import suggest
from knowledge.rules import check

# What a clerk must never read: option names of the command line, kind codes.
_INTERNAL = re.compile(r"--\w|institution_|\bdepartment\b|\bportal\b")


def test_naming_notes_speak_chinese_without_internal_codes():
    notes = [*suggest("狮山镇").notes, *suggest("武定县第一中学").notes,
             *check("x.wuding.gov.cn", "武定县第一中学").notes]
    assert notes, "the three cases each carry a note"
    assert [n for n in notes if _INTERNAL.search(n)] == []


def test_a_later_status_closes_the_deadline_the_earlier_status_started(db, tmp_path):
    """公告中 starts the 3-month notice; once the domain is 已注销 (or back in use) that deadline is settled and
    must leave /due and the reminders; the one the new status starts stays open."""
    import datetime as dt

    from sqlmodel import select

    from bot.db.models import Deadline
    from bot.registry.edits import set_status
    from bot.registry.export import write_table
    from bot.registry.importer import import_file
    from tests.support.samples import ROWS

    path = tmp_path / "r.xlsx"
    write_table(path, ROWS)
    import_file(db.call, path.read_bytes(), path.name, "test")  # czj.wuding.gov.cn is 公告中 since 2026-01-31

    def open_rules(s):
        return sorted(d.rule for d in s.exec(select(Deadline).where(Deadline.status == "open")).all()
                      if d.rule in ("notice_period", "filing_cancellation"))

    assert db.call(open_rules) == ["notice_period"]
    db.call(lambda s: set_status(s, "czj.wuding.gov.cn", "t", "已注销", dt.date(2026, 5, 6)))
    assert db.call(open_rules) == []
    db.call(lambda s: set_status(s, "www.wuding.gov.cn", "t", "公告中", dt.date(2026, 5, 6)))
    db.call(lambda s: set_status(s, "www.wuding.gov.cn", "t", "已注销", dt.date(2026, 8, 6)))  # it has an ICP filing
    assert db.call(open_rules) == ["filing_cancellation"]


async def test_setstatus_with_an_impossible_date_changes_nothing(running_bot, fake_api, tmp_path):
    from tests.support.samples import ADMIN, import_as_admin

    await import_as_admin(fake_api, tmp_path)
    for text in ("/setstatus www.wdrsj.com 已注销 2019-13-45", "/note www.wdrsj.com 2019-02-30 已迁移",
                 "/setcontact 武定县人民政府 王五 0878-8711999 2019-02-30"):
        seen = len(fake_api.calls_to("sendMessage"))
        fake_api.push_text(text, chat_id=ADMIN, user_id=ADMIN)
        assert await fake_api.until(lambda calls, seen=seen: len(fake_api.calls_to("sendMessage")) > seen), text
        reply = fake_api.calls_to("sendMessage")[seen].params["text"]
        assert "不是有效日期" in reply and "已更新" not in reply and "已登记" not in reply, (text, reply)
    fake_api.push_text("/status www.wdrsj.com", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("www.wdrsj.com" in c.params.get("text", "") and "[在用]" in c.params.get("text", "")
                                                  for c in fake_api.calls_to("sendMessage")))


def test_monitoring_sheet_dates_read_as_dates(tmp_path):
    """The 州政府办 opens the report: 首次发现 and 最近检查 must show 2026-11-20, not 46346."""
    import datetime as dt

    import openpyxl

    from bot.reporting.workbook import MONITOR_SHEET, ReportHeader, write_workbook

    path = tmp_path / "report.xlsx"
    row = ["武定县人民政府", "www.wuding.gov.cn", "域名无法解析", "五（三）", dt.date(2026, 11, 20), dt.date(2026, 11, 28)]
    write_workbook(path, [], ReportHeader("武定县", "武定县人民政府办公室", dt.date(2026, 11, 28)), dt.date(2026, 11, 28),
                   monitoring=[row])
    cells = openpyxl.load_workbook(path)[MONITOR_SHEET][2]
    assert [c.value for c in cells[4:]] == [dt.datetime(2026, 11, 20), dt.datetime(2026, 11, 28)]
    assert all(c.is_date for c in cells[4:])



def test_console_chat_saves_the_files_the_bot_sends(tmp_path):
    """A clerk at the console gets the application form and the report as files, not a hint about another
    command (which for the form did not even exist)."""
    import os
    import subprocess
    import sys

    import docx

    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'c.sqlite3'}")
    env.pop("TELEGRAM_BOT_TOKEN", None)
    lines = ["/apply", "1", "武定县人民政府", "1", "4", "张三 办公室主任 0878-8711677 zs@example.cn", "1", "/report"]
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "chat"], input="\n".join(lines).encode() + b"\n",
                          env=env, cwd=tmp_path, capture_output=True, timeout=90)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    saved = re.findall(r"文件已保存：(\S+)", out)
    assert any(p.endswith(".docx") for p in saved) and any(p.endswith(".xlsx") for p in saved), out[-1500:]
    form = next(tmp_path / p for p in saved if p.endswith(".docx"))
    text = "\n".join(c.text for t in docx.Document(str(form)).tables for row in t.rows for c in row.cells)
    assert "武定县人民政府" in text and "张三" in text


async def test_report_file_is_named_for_the_day_of_its_title(running_bot, fake_api, clock):
    """At 00:30 in Yunnan (16:30 UTC the day before) the report's title and its file name name the same day."""
    import datetime as dt

    from tests.support.samples import ADMIN

    now = dt.datetime.now(dt.UTC)
    target = dt.datetime.combine(now.date() + dt.timedelta(days=3), dt.time(16, 30), dt.UTC)
    clock.offset = target - now
    fake_api.push_text("/report", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any(c.method == "sendDocument" for c in calls), timeout=20)
    local_day = (target + dt.timedelta(hours=8)).date()
    assert fake_api.calls_to("sendDocument")[0].params["_filename"].endswith(f"_{local_day:%Y%m%d}.xlsx")


def test_cli_suggest_names_the_unit_kind_in_chinese(capsys):
    from bot.cli import main

    main(["suggest", "武定县财政局"])
    out = capsys.readouterr().out
    assert "单位：武定县财政局（政府部门网站）" in out and "department" not in out


async def test_history_names_the_unit_not_its_row_id(running_bot, fake_api, tmp_path):
    from tests.support.samples import ADMIN, import_as_admin

    await import_as_admin(fake_api, tmp_path)
    fake_api.push_text("/history www.wdrsj.com", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("修改记录" in c.params.get("text", "") for c in calls))
    shown = next(c.params["text"] for c in fake_api.calls_to("sendMessage") if "修改记录" in c.params.get("text", ""))
    assert "单位：武定县人力资源和社会保障局" in shown and not re.search(r"单位：\d", shown), shown


@pytest.mark.parametrize(("question", "expected"), [
    ("换联系人要报吗", "20个工作日"),  # was: 联系人：张晓霞 (the county office's own contact)
    ("网站挂了域名怎么办", "及时注销"),  # was: the structure of department domains
])
def test_sloppy_questions_get_the_rule_they_ask_about(question, expected):
    from knowledge.qa import ask

    answer = ask(question)
    assert answer.in_scope and expected in answer.text.splitlines()[0], answer.text


def test_setcontact_refuses_a_malformed_phone_or_email_and_changes_nothing(db, tmp_path):
    from sqlmodel import select

    from bot.db.models import Contact
    from bot.registry.edits import replace_contact
    from bot.registry.export import write_table
    from bot.registry.importer import import_file
    from bot.registry.lookup import RegistryError
    from tests.support.samples import ROWS

    path = tmp_path / "r.xlsx"
    write_table(path, ROWS)
    import_file(db.call, path.read_bytes(), path.name, "test")
    before = db.call(lambda s: sorted((c.name, c.phone, c.email) for c in s.exec(select(Contact)).all()))
    for phone, email in (("0878-8711999", "notanemail"), ("张三的手机", ""), ("zs@example.cn", "")):
        with pytest.raises(RegistryError, match="格式不对"):
            db.call(lambda s, p=phone, e=email: replace_contact(s, "武定县人民政府", "王五", "t", p, e))
    assert db.call(lambda s: sorted((c.name, c.phone, c.email) for c in s.exec(select(Contact)).all())) == before


def test_a_county_report_with_townships_imports_at_the_prefecture(db, tmp_path):
    """The 州政府办 imports the county's report: its 乡镇（街道） rows were refused as an unknown 单位类型."""
    import datetime as dt

    from bot.db.storage import Database
    from bot.registry.export import export_rows
    from bot.registry.importer import import_file
    from bot.reporting.report import write_report
    from tests.support.samples import xlsx

    rows = [["武定县人民政府", "政府门户网站", "", "www.wuding.gov.cn", "是", "规范在用"] + [""] * 11,
            ["武定县狮山镇人民政府", "", "", "www.wdssz.cn", "", "闲置"] + [""] * 11,
            ["武定县近城镇人民政府", "乡镇(街道)", "", "jcz.wuding.gov.cn", "", "规范在用"] + [""] * 11]
    path = xlsx(tmp_path, rows, "county_in.xlsx")
    assert import_file(db.call, path.read_bytes(), path.name, "test").written
    report = tmp_path / "county.xlsx"
    db.call(lambda s: write_report(s, report, dt.date(2026, 11, 28)))
    before = db.call(lambda s: list(export_rows(s)))
    prefecture = Database(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    prefecture.upgrade()
    result = import_file(prefecture.call, report.read_bytes(), report.name, "test")
    assert result.written and not result.errors, result.errors
    assert prefecture.call(lambda s: list(export_rows(s))) == before
    prefecture.dispose()
