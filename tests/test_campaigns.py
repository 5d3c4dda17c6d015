"""Campaigns without code: validation that names the line and field, the database store over the shipped
default, the spreadsheet form, the command line; the weekly digest's day and silence."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from openpyxl import Workbook
from sqlmodel import select

from bot.campaigns import store
from bot.campaigns.files import read_campaign_file
from bot.db.models import Chat, Deadline
from bot.deadlines import calendar, events
from bot.reporting.progress import digest_text, enqueue_weekly_digests, weekly_digest_due
from knowledge.campaigns import CampaignError, load_campaigns, parse_campaign, parse_chat_campaign

GOOD = """id: wd-2027
title: 2027年域名普查
source: 武政办函〔2027〕1号
deadlines:
  - id: self-check
    date: 2027-03-05
    what: 报送自查情况
    who: 各乡镇、县级部门
    to: 县政府办
  - date: 2027-03-20
    what: 汇总上报
"""


@pytest.mark.parametrize("text,message", [
    (GOOD.replace("2027-03-05", "2027-02-30"), "第6行 date（日期）：“2027-02-30”不是日期"),
    (GOOD.replace("    what: 汇总上报\n", ""), "第10行 what（事项）：不能为空"),
    (GOOD.replace("title: 2027年域名普查\n", ""), "第1行 title（名称）：不能为空"),
    ("title: x\ndeadlines: []\n", "第2行 deadlines：至少要有一个步骤"),
    ("title: x\naudience: everyone\ndeadlines:\n  - {date: 2027-01-01, what: a}\n", "第2行 audience"),
    ("title: [unclosed\n", "不是有效的 YAML"),
    (GOOD.replace("  - date: 2027-03-20", "  - id: self-check\n    date: 2027-03-20"), "步骤 id“self-check”重复"),
])
def test_campaign_errors_name_the_line_and_field(text, message):
    with pytest.raises(CampaignError, match=message):
        parse_campaign(text)


def test_campaign_forms_agree():
    campaign = parse_campaign(GOOD)
    assert [m.key for m in campaign.milestones] == ["wd-2027:self-check", "wd-2027:step2"]
    assert campaign.milestones[0].to == "县政府办" and parse_campaign(campaign.to_yaml()) == campaign
    chat = parse_chat_campaign("2027年域名普查\n文号 武政办函〔2027〕1号\n2027年3月5日 报送自查情况 | 各乡镇、县级部门 → 县政府办")
    assert chat.milestones[0].date == dt.date(2027, 3, 5) and chat.milestones[0].who == "各乡镇、县级部门"
    assert chat.source == "武政办函〔2027〕1号"
    with pytest.raises(CampaignError, match="第3行"):
        parse_chat_campaign("名称\n文号 x\n下周一 报送")
    shipped = load_campaigns()[0]
    assert parse_campaign(shipped.to_yaml()) == shipped


def _xlsx(tmp_path, rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / "c.xlsx"
    workbook.save(path)
    return path.read_bytes()


def test_campaign_from_a_spreadsheet(tmp_path):
    data = _xlsx(tmp_path, [["名称", "2027年域名普查"], ["文号", "武政办函〔2027〕1号"], [],
                            ["日期", "事项", "报送单位", "报送对象"],
                            [dt.datetime(2027, 3, 5), "报送自查情况", "各单位", "县政府办"]])
    campaign = read_campaign_file("c.xlsx", data)
    assert campaign.title == "2027年域名普查" and campaign.milestones[0].date == dt.date(2027, 3, 5)
    bad = _xlsx(tmp_path, [["名称", "x"], ["日期", "事项"], ["2027-03-99", "报送"]])
    with pytest.raises(CampaignError, match="第3行 date"):
        read_campaign_file("c.xlsx", bad)
    with pytest.raises(CampaignError, match=".yaml 或 .xlsx"):
        read_campaign_file("c.txt", b"x")


def test_store_adds_edits_and_ends_over_the_shipped_default(db):
    today = dt.date(2026, 11, 28)
    assert db.call(lambda s: store.current_campaign(s, today)).id == load_campaigns()[0].id  # the default
    campaign = parse_campaign(GOOD)
    assert db.call(lambda s: store.save_campaign(s, campaign, "test")) is True
    db.call(events.sync_campaigns)
    assert db.call(lambda s: store.current_campaign(s, today)).id == "wd-2027"
    moved = parse_campaign(GOOD.replace("2027-03-05", "2027-03-06"))
    assert db.call(lambda s: store.save_campaign(s, moved, "test")) is False
    due = db.call(lambda s: s.exec(select(Deadline.due).where(Deadline.key == "campaign:wd-2027:self-check")).one())
    assert due == dt.date(2027, 3, 6)
    db.call(lambda s: store.end_campaign(s, "2027年域名普查", "test"))
    db.call(events.sync_campaigns)
    statuses = db.call(lambda s: s.exec(select(Deadline.status).where(Deadline.key.startswith("campaign:wd-2027"))).all())
    assert statuses and set(statuses) == {"done"}
    assert db.call(lambda s: store.current_campaign(s, today)).id == load_campaigns()[0].id
    db.call(lambda s: store.end_campaign(s, load_campaigns()[0].id, "test"))  # the shipped one can end too
    assert db.call(lambda s: store.current_campaign(s, today)) is None
    with pytest.raises(CampaignError, match="没有名为"):
        db.call(lambda s: store.end_campaign(s, "不存在", "test"))


def test_campaign_command_line(db, tmp_path):
    env = dict(os.environ, DATABASE_URL=db.url.replace("postgresql+psycopg", "postgresql"))

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)

    (tmp_path / "bad.yaml").write_text(GOOD.replace("2027-03-05", "2027-3-55"), encoding="utf-8")
    bad = cli("campaign", "add", "bad.yaml")
    assert bad.returncode == 1 and "bad.yaml：第6行 date（日期）" in bad.stderr
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    assert "已新增工作安排“2027年域名普查”" in cli("campaign", "add", "good.yaml").stdout
    listing = cli("campaign", "list").stdout
    assert "wd-2027\t2027年域名普查\t进行中" in listing and "（内置）" in listing
    assert "what: 报送自查情况" in cli("campaign", "show", "wd-2027").stdout
    assert "已结束" in cli("campaign", "end", "wd-2027").stdout
    assert cli("campaign", "end", "nothing").returncode == 1


def test_weekly_digest_day_follows_the_calendar_and_stays_silent_with_nothing_to_say(db):
    # 2030 is unknown to the package: an admin-entered schedule makes Monday 2030-01-07 a day off.
    db.call(lambda s: calendar.enter_schedule(s, 2030, [dt.date(2030, 1, 7)], [], "test"))
    assert db.call(lambda s: weekly_digest_due(s, dt.date(2030, 1, 7), 1)) is False
    assert db.call(lambda s: weekly_digest_due(s, dt.date(2030, 1, 8), 1)) is True
    assert db.call(lambda s: weekly_digest_due(s, dt.date(2030, 1, 9), 1)) is False
    assert db.call(lambda s: weekly_digest_due(s, dt.date(2030, 1, 18), 5)) is True
    now = dt.datetime(2030, 1, 8, 1, 0, tzinfo=dt.UTC)
    db.call(lambda s: s.add(Chat(id=-5, title="g", subscribed=True, digest=True)))
    assert db.call(lambda s: digest_text(s, dt.date(2030, 1, 8), None)) is None
    assert db.call(lambda s: enqueue_weekly_digests(s, now, dt.date(2030, 1, 8), 1, frozenset({42}))) == 0
    db.call(lambda s: events.ensure_deadline(s, "x", "报送清理情况", dt.date(2030, 1, 10), audience="groups"))
    assert db.call(lambda s: enqueue_weekly_digests(s, now, dt.date(2030, 1, 8), 1, frozenset({42}))) == 2
    text = db.call(lambda s: digest_text(s, dt.date(2030, 1, 8), None))
    assert "2030-01-10 报送清理情况" in text


def test_a_campaign_sheet_takes_the_dates_the_registry_import_takes(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "2027年域名普查"])
    sheet.append(["日期", "事项"])
    sheet.append(["2027年1月29日", "各乡镇报送自查"])
    sheet.append(["2027.2.26", "县政府办汇总上报"])
    path = tmp_path / "安排.xlsx"
    book.save(path)
    campaign = read_campaign_file("安排.xlsx", path.read_bytes())
    assert [m.date for m in campaign.milestones] == [dt.date(2027, 1, 29), dt.date(2027, 2, 26)]


def test_a_campaign_is_found_by_its_number_in_the_list(db):
    listed = db.call(store.list_campaigns)
    assert db.call(lambda s: store.find(s, "1")).campaign.id == listed[0].campaign.id
    assert db.call(lambda s: store.find(s, str(len(listed) + 1))) is None


@pytest.mark.parametrize("region, carried", [("云南省楚雄彝族自治州", True), ("云南省楚雄彝族自治州武定县", True),
                                             ("禄丰市", True), ("湖北省恩施土家族苗族自治州利川市", False),
                                             ("云南省", False), ("", True)])
def test_the_shipped_plan_is_carried_only_inside_the_area_it_was_issued_for(db, region, carried):
    """楚雄's 2019 plan is 楚雄州's and its counties': a 利川市 deployment does not get its dates and 文号 in /due,
    reminders or the report's cover; a province deployment adds its own."""
    from bot.registry.region import set_region

    if region:
        db.call(lambda s: set_region(s, region, "test"))
    shipped = load_campaigns()[0].id
    assert (shipped in {item.campaign.id for item in db.call(store.list_campaigns)}) is carried
    assert (db.call(lambda s: store.current_campaign(s, dt.date(2019, 2, 1))) is not None) is carried


def test_a_campaign_s_region_survives_its_yaml():
    campaign = load_campaigns()[0]
    assert campaign.region == "云南省楚雄彝族自治州"
    assert parse_campaign(campaign.to_yaml()).region == campaign.region
