"""Campaigns at every level (notes/offices-at-every-level.md, Campaigns): the home office's campaign gives each
county its own steps with their own due dates and reminders, a county adds its own for itself only, groups are
bound to an office, and reminders and overdue notices reach that office's groups and admins, never a sibling's."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.campaigns import store
from bot.db.models import Chat, Contact, Deadline, Delivery, Unit
from bot.deadlines import agenda, events, planning
from bot.delivery.groups import bind_group
from bot.offices.service import add_office
from bot.registry.access import NotAllowed, role_of
from bot.registry.importer import import_file
from knowledge.campaigns import (
    CampaignError,
    OfficeNode,
    carriers,
    load_campaigns,
    parse_campaign,
    parse_chat_campaign,
    read_levels,
)

HOME = "楚雄彝族自治州"
HOME_ADMIN = 42
SHEET = """单位名称,域名,联系人,联系电话
楚雄州人民政府,www.cxz.gov.cn,甲,13900000000
楚雄州林业和草原局,lcj.cxz.gov.cn,乙,13900000001
武定县人民政府,www.wuding.gov.cn,丙,13900000002
武定县教育体育局,jyj.wuding.gov.cn,丁,13900000003
禄丰市财政局,czj.lufeng.gov.cn,戊,13900000004
"""
SHIPPED = load_campaigns()[0].id
MARCH = dt.date(2019, 3, 1)  # the shipped campaign's county steps are 3月5日 and 3月20日
SETTINGS = planning.ReminderSettings(timezone=ZoneInfo("Asia/Shanghai"), admins=frozenset({HOME_ADMIN}))


@pytest.fixture
def prefecture(db):
    """楚雄州 at home; 武定县 (admin 111), 禄丰市 (admin 222) and the 州直部门 group (admin 333) under it."""
    assert import_file(db.call, SHEET.encode(), "sheet.csv", "test", region=HOME).written
    ids = {}
    for region, admin, departments in (("武定县", 111, False), ("禄丰市", 222, False), ("楚雄州", 333, True)):
        ids[region] = db.call(lambda s, r=region, a=admin, d=departments: add_office(s, r, HOME, "cli", (a,), d).id)
    return ids


def _open(db) -> dict[str, tuple]:
    rows = db.call(lambda s: s.exec(select(Deadline).where(Deadline.status == "open")).all())
    return {r.key: (r.office_id, r.due, r.audience) for r in rows}


def _due(db, where, today=MARCH) -> list[str]:
    found = db.call(lambda s: agenda.listing(s, today, where(s) if callable(where) else where, limit=50))
    return [f"{d.due.isoformat()} {d.title}" for d in found.overdue + found.upcoming]


# -- the plan's levels (pure) --------------------------------------------------------------------------------
@pytest.mark.parametrize(("who", "to", "levels"), [
    ("各乡镇人民政府，县级有关部门", "", ("county",)),  # they report to their county's office
    ("各县市人民政府，州级各部门", "", ("county", "departments")),
    ("各乡镇、县级部门", "县政府办", ("county",)),
    ("州政府办公室", "", ("prefecture",)),
    ("各州（市）人民政府", "省政府办公厅", ("prefecture",)),
    ("武定县财政局", "", ()),  # one county's unit: not a level
    ("武定县市场监督管理局", "", ()),
    ("县政府办", "州政府办", ("county", "prefecture")),
])
def test_a_steps_levels_are_read_from_who_reports_to_whom(who, to, levels):
    assert read_levels(who, to) == levels


def test_carriers_are_the_offices_at_the_steps_levels_within_the_owners():
    wd, lf, dept, town = (OfficeNode(1, "county", frozenset({None})), OfficeNode(2, "county", frozenset({None})),
                          OfficeNode(3, "departments", frozenset({None})), OfficeNode(4, "county", frozenset({9, None})))
    steps = {m.key.split(":")[1]: m for m in load_campaigns()[0].milestones}
    assert carriers(steps["report-to-county"], None, [wd, lf, dept]) == [1, 2]
    assert carriers(steps["report-to-prefecture"], None, [wd, lf, dept]) == [1, 2, 3]
    assert carriers(steps["review"], None, [wd, lf, dept]) == [None]  # the prefecture's own step
    assert carriers(steps["report-to-county"], None, []) == [None]  # no office: everything stays at home
    assert carriers(steps["report-to-county"], 1, [wd, lf, dept]) == [1]  # a county's own: itself, not a sibling
    assert carriers(steps["report-to-county"], 9, [wd, lf, town]) == [4]  # only within the owner's offices


def test_a_campaign_round_trips_with_its_levels():
    campaign = load_campaigns()[0]
    again = parse_chat_campaign("x\n2027-03-05 自查 | 武定县财政局 → 州政府办\n2027-03-06 各县收集乡镇和部门清理情况\n"
                                "2027-03-07 各县自查 | 州政府办")
    assert [m.levels for m in again.milestones] == [("prefecture",), ("county",), ("prefecture",)]
    assert parse_campaign(again.to_yaml()) == again
    assert parse_campaign(campaign.to_yaml()) == campaign
    kept_home = parse_campaign(campaign.to_yaml().replace("  - departments\n", "").replace(
        "  offices:\n  - county\n", "  offices: []\n"))
    assert [m.levels for m in kept_home.milestones][-1] == ()
    with pytest.raises(CampaignError, match="offices（办理层级）"):
        parse_campaign(campaign.to_yaml().replace("  - departments\n", "  - 乡镇\n"))


# -- the cascade ---------------------------------------------------------------------------------------------
def test_the_home_campaign_gives_each_county_its_own_steps(db, prefecture):
    wd, lf, dept = prefecture["武定县"], prefecture["禄丰市"], prefecture["楚雄州"]
    db.call(events.sync_campaigns)
    steps = _open(db)
    key = f"campaign:{SHIPPED}:"
    assert steps[key + "reminder-notices"] == (None, dt.date(2019, 2, 20), "groups")  # the prefecture's own
    assert steps[key + "review"][0] is None
    for office in (wd, lf):
        assert steps[f"{key}report-to-county:o{office}"] == (office, dt.date(2019, 3, 5), "office")
        assert steps[f"{key}report-to-prefecture:o{office}"] == (office, dt.date(2019, 3, 20), "office")
    assert f"{key}report-to-prefecture:o{dept}" in steps and f"{key}report-to-county:o{dept}" not in steps
    assert key + "report-to-county" not in steps  # carried by the counties, not twice at home
    assert db.call(events.sync_campaigns) == 0  # idempotent
    # /due: each county its own steps with its due dates, never the sibling's
    mine = _due(db, agenda.office_items(wd))
    assert mine == ["2019-03-05 全州政府网站域名清理（2019年）：各乡镇、县级有关部门将清理情况报县政府办电子政务网络管理股（武定县）",
                    "2019-03-20 全州政府网站域名清理（2019年）：各县市人民政府和州级各部门将政府网站域名清理情况报州政府办公室（武定县）"]
    assert not any("禄丰市" in line for line in mine)
    assert all("（禄丰市）" in line for line in _due(db, agenda.office_items(lf)))
    home = _due(db, agenda.office_items(None), today=dt.date(2019, 2, 15))
    assert len(home) == 2 and not any("（" + c + "）" in " ".join(home) for c in ("武定县", "禄丰市"))
    counts = db.call(lambda s: agenda.below_counts(s, None, MARCH))
    assert {c.office_id: (c.overdue, c.upcoming) for c in counts} == {wd: (0, 2), lf: (0, 2), dept: (0, 1)}
    assert db.call(lambda s: agenda.below_counts(s, wd, MARCH)) == []  # a county has no office below


def test_a_deployment_without_offices_keeps_every_step_at_home(db):
    db.call(events.sync_campaigns)
    assert set(_open(db)) == {f"campaign:{m.key}" for m in load_campaigns()[0].milestones}
    assert {v[0] for v in _open(db).values()} == {None}


def test_offices_added_later_take_over_the_steps_their_level_carries(db):
    assert import_file(db.call, SHEET.encode(), "sheet.csv", "test", region=HOME).written
    db.call(events.sync_campaigns)
    wd = db.call(lambda s: add_office(s, "武定县", HOME, "cli", (111,)).id)
    db.call(events.sync_campaigns)
    steps = _open(db)
    assert f"campaign:{SHIPPED}:report-to-county" not in steps  # closed: the county carries it now
    assert steps[f"campaign:{SHIPPED}:report-to-county:o{wd}"][0] == wd


def test_a_campaign_edit_moves_each_offices_steps_and_ending_closes_them(db, prefecture):
    text = ("2027年全州普查\n2027-03-05 收集乡镇清理情况 | 各乡镇、县级部门 → 县政府办\n"
            "2027-03-20 报送清理情况 | 各县市人民政府 → 州政府办")
    db.call(lambda s: store.save_campaign(s, parse_chat_campaign(text), "t"))
    rows = {k: v for k, v in _open(db).items() if "2027年全州普查" in k}
    assert len(rows) == 4 and {v[0] for v in rows.values()} == {prefecture["武定县"], prefecture["禄丰市"]}
    db.call(lambda s: store.save_campaign(s, parse_chat_campaign(text.replace("03-05", "03-06")), "t"))
    assert sorted(v[1] for k, v in _open(db).items() if "2027年全州普查" in k)[:2] == [dt.date(2027, 3, 6)] * 2
    db.call(lambda s: store.end_campaign(s, "2027年全州普查", "t"))
    assert not [k for k in _open(db) if "2027年全州普查" in k]


def test_a_countys_own_campaign_is_its_own_and_never_a_siblings(db, prefecture):
    wd, lf = prefecture["武定县"], prefecture["禄丰市"]
    text = "域名自查\n2027-01-15 各乡镇自查 | 各乡镇 → 县政府办"
    for office, code in ((wd, "532329"), (lf, "532331")):  # both counties name theirs alike
        campaign = store.office_key(parse_chat_campaign(text), code)
        assert db.call(lambda s, c=campaign, o=office: store.save_campaign(s, c, f"t{o}", o)) is True
    db.call(events.sync_campaigns)
    today = dt.date(2027, 1, 5)
    mine = _due(db, agenda.office_items(wd), today)
    assert len([line for line in mine if "各乡镇自查" in line]) == 1
    rows = [v for k, v in _open(db).items() if "域名自查" in k]
    assert sorted(v[0] for v in rows) == [wd, lf]
    # the home's campaign name cannot be taken over by a county, nor a sibling's
    with pytest.raises(Exception, match="本级的工作安排|另一办公室"):
        db.call(lambda s: store.save_campaign(s, load_campaigns()[0], "t", wd))
    sibling = store.office_key(parse_chat_campaign(text), "532331")
    with pytest.raises(Exception, match="另一办公室"):
        db.call(lambda s: store.save_campaign(s, sibling, "t", wd))
    # what each county's admin lists: its own and the home's, never the sibling's
    for admin, own in ((111, wd), (222, lf)):
        def listed(s, admin=admin):
            role = role_of(s, admin, frozenset({HOME_ADMIN}))
            return store.visible(store.list_campaigns(s), role.scope, store.offices_above(s, role.office))
        items = db.call(listed)
        assert {i.office_id for i in items} == {None, own}
    assert {i.office_id for i in db.call(lambda s: store.visible(store.list_campaigns(s), None))} == {None, wd, lf}


# -- groups and reminders ------------------------------------------------------------------------------------
def _bind(db, user: int, chat: int, named: str = "", **changes):
    return db.call(lambda s: bind_group(s, user, frozenset({HOME_ADMIN}), HOME, chat, f"g{chat}", "group", named,
                                        **({"subscribed": True} | changes)))


def test_groups_are_bound_to_an_office_by_its_admins_only(db, prefecture):
    wd, lf = prefecture["武定县"], prefecture["禄丰市"]
    assert _bind(db, 111, -501).name == "武定县人民政府办公室"
    assert db.call(lambda s: (s.get(Chat, -501).office_id, s.get(Chat, -501).unit_id)) == (wd, None)
    assert "其他单位或办公室" in _bind(db, 222, -501).refused  # a sibling's admin cannot take it over
    assert "不在您管理的范围" in _bind(db, 111, -502, "禄丰市").refused
    assert db.call(lambda s: s.get(Chat, -502)) is None
    assert _bind(db, HOME_ADMIN, -502, "禄丰市").name == "禄丰市人民政府办公室"  # a home admin binds any office
    assert db.call(lambda s: s.get(Chat, -502).office_id) == lf
    # the county government is a unit, not the office: its group is the unit's
    assert _bind(db, 111, -503, "武定县人民政府").name == "武定县人民政府"
    with pytest.raises(NotAllowed):
        _bind(db, 111, -504, "禄丰市财政局")
    assert "办公室的群" in _bind(db, 111, -501, digest=True).refused  # the digest would hold the whole registry
    _bind(db, HOME_ADMIN, -500)
    assert "管理员开通" in _bind(db, 111, -500).refused  # the home's group stays the home's
    assert db.call(lambda s: (s.get(Chat, -500).office_id, s.get(Chat, -500).unit_id)) == (None, None)


def test_reminders_go_to_the_carrying_offices_groups_and_admins_never_a_siblings(db, prefecture):
    wd, lf = prefecture["武定县"], prefecture["禄丰市"]
    _bind(db, 111, -501)
    _bind(db, 222, -502)
    _bind(db, HOME_ADMIN, -500)
    _bind(db, 111, -503, "武定县教育体育局")  # a unit's group in 武定县
    text = "2027年全州普查\n2027-03-05 收集乡镇清理情况 | 各乡镇、县级部门 → 县政府办\n2027-03-10 州级复查 | 州政府办"
    db.call(lambda s: store.save_campaign(s, parse_chat_campaign(text), "t"))
    db.call(events.sync_campaigns)
    steps = db.call(lambda s: {(d.office_id, d.title[-5:]): d for d in s.exec(
        select(Deadline).where(Deadline.key.contains("2027年全州普查"))).all()})
    by_office = {office: d for (office, _), d in steps.items()}

    def who(deadline, overdue=False):
        return set(db.call(lambda s: planning.recipients(s, deadline, {HOME_ADMIN}, overdue)))

    assert who(by_office[wd]) == {-501, -503, 111}
    assert who(by_office[lf]) == {-502, 222}
    assert who(by_office[None]) == {-500, HOME_ADMIN}
    # a 武定县 unit's overdue notice: its group, 武定县's group and admin; not 禄丰市's, not the home's groups
    unit = db.call(lambda s: s.exec(select(Unit).where(Unit.name == "武定县教育体育局")).one())
    late = db.call(lambda s: events.ensure_deadline(s, "late", "逾期", dt.date(2026, 1, 5), unit_id=unit.id))
    db.call(lambda s: [s.delete(c) for c in s.exec(select(Contact).where(Contact.unit_id == unit.id)).all()])
    assert who(late, overdue=True) == {-503, -501, 111}
    # planned deliveries: none of 武定县's steps reach 禄丰市's group or admin
    now = dt.datetime(2027, 2, 20, tzinfo=dt.UTC)
    assert db.call(lambda s: planning.plan(s, SETTINGS, now)) > 0
    sent = db.call(lambda s: [(d.chat_id, d.deadline_id) for d in s.exec(select(Delivery)).all()])
    assert {chat for chat, deadline in sent if deadline == by_office[wd].id} == {-501, -503, 111}
    assert {deadline for chat, deadline in sent if chat in (-502, 222)} == {by_office[lf].id}


# -- through the running bot ---------------------------------------------------------------------------------
def _texts(fake_api, chat: int | None = None) -> list[str]:
    return [c.params.get("text", "") for c in fake_api.calls if c.method in ("sendMessage", "editMessageText")
            and (chat is None or int(c.params.get("chat_id", 0)) == chat)]


async def _said(fake_api, text: str, chat: int, user: int, *needles: str, chat_type: str = "private") -> str:
    before = len(_texts(fake_api, chat))
    fake_api.push_text(text, chat_id=chat, user_id=user, chat_type=chat_type)
    assert await fake_api.until(lambda calls: any(all(n in t for n in needles) for t in _texts(fake_api, chat)[before:]),
                                timeout=20), f"{text}: no reply with {needles}: {_texts(fake_api, chat)[before:]}"
    return next(t for t in _texts(fake_api, chat)[before:] if all(n in t for n in needles))


async def test_county_steps_in_due_and_reminders_in_the_countys_group(running_bot, fake_api, clock):
    await running_bot.bot_data.warm_up
    db = running_bot.bot_data.db
    assert import_file(db.call, SHEET.encode(), "sheet.csv", "test", region=HOME).written
    wd = db.call(lambda s: add_office(s, "武定县", HOME, "cli", (111,)).id)
    await _said(fake_api, "/subscribe", -501, 111, "武定县人民政府办公室", chat_type="group")
    await _said(fake_api, "/campaign add 2027年全州域名普查\n文号 楚政办函〔2027〕1号\n"
                "2027-03-05 收集乡镇和县级部门清理情况 | 各乡镇、县级部门 → 县政府办\n"
                "2027-03-20 报送清理情况 | 各县市人民政府 → 州政府办", HOME_ADMIN, HOME_ADMIN, "已新增工作安排")
    # an office added (from the CLI) after the campaign, while the bot runs: its steps at its first /due
    lf = db.call(lambda s: add_office(s, "禄丰市", HOME, "cli", (222,)).id)
    # each county's /due: its own steps with its due dates, never the sibling's
    for admin, own, other in ((111, "武定县", "禄丰市"), (222, "禄丰市", "武定县")):
        due = await _said(fake_api, "/due", admin, admin, "待办期限")
        assert f"{own}人民政府办公室" in due and "2027-03-05" in due and "收集乡镇和县级部门清理情况" in due
        assert "2027-03-20" in due and other not in due
    await _said(fake_api, "/subscribe", -502, 222, "禄丰市人民政府办公室", chat_type="group")
    # a county adds its own: the sibling never sees it
    await _said(fake_api, "/campaign add 武定县自查\n2027-01-15 各乡镇自查 | 各乡镇 → 县政府办", 111, 111, "已新增工作安排")
    assert "各乡镇自查" in await _said(fake_api, "/due", 111, 111, "待办期限")
    assert "各乡镇自查" not in await _said(fake_api, "/due", 222, 222, "待办期限")
    assert "武定县自查" not in await _said(fake_api, "/campaign", 222, 222, "工作安排")
    await _said(fake_api, "/campaign end 武定县自查", 222, 222, "没有名为")
    # the home admin: the home's, and the counties grouped, each opening its own list
    home = await _said(fake_api, "/due", HOME_ADMIN, HOME_ADMIN, "下级办公室")
    assert "武定县人民政府办公室：已逾期 0 项，即将到期 3 项" in home and "禄丰市人民政府办公室：已逾期 0 项，即将到期 2 项" in home
    call = next(c for c in reversed(fake_api.calls) if "下级办公室" in c.params.get("text", ""))
    buttons = {b["text"]: b["callback_data"] for row in json.loads(call.params["reply_markup"])["inline_keyboard"]
               for b in row}
    assert buttons["武定县人民政府办公室"] == f"duo:{wd}:0"
    message = fake_api.make_message("x", chat_id=111, user_id=777000111)
    fake_api.push_callback(f"duo:{lf}:0", message, user_id=111)  # a forged button for the sibling
    assert await fake_api.until(lambda calls: any("不在您管理的范围" in t for t in _texts(fake_api, 111)))
    message = fake_api.make_message("x", chat_id=HOME_ADMIN, user_id=777000111)
    fake_api.push_callback(f"duo:{wd}:0", message, user_id=HOME_ADMIN)
    assert await fake_api.until(lambda calls: any("武定县人民政府办公室：已逾期" in t and "各乡镇自查" in t
                                                  for t in _texts(fake_api, HOME_ADMIN)))
    # the due day of the 3月5日 step: 武定县's reminder in 武定县's group, 禄丰市's in 禄丰市's, never crossed
    tz = running_bot.bot_data.settings.timezone
    clock.offset = dt.datetime(2027, 3, 5, 9, 0, 30, tzinfo=tz) - dt.datetime.now(dt.UTC)
    from bot.runtime.jobs import replan

    await replan(running_bot)
    assert await fake_api.until(lambda calls: any("今天到期" in t and "收集乡镇" in t for t in _texts(fake_api, -501))
                                and any("今天到期" in t for t in _texts(fake_api, -502)), timeout=30)
    reminders = {chat: [t for t in _texts(fake_api, chat) if "到期" in t or "逾期" in t] for chat in (-501, -502, 111, 222)}
    assert reminders[-501] and all("（武定县）" in t and "禄丰市" not in t for t in reminders[-501])
    assert reminders[-502] and all("（禄丰市）" in t and "武定县" not in t for t in reminders[-502])
    assert not any("（武定县）" in t for t in _texts(fake_api, 222))
    assert not any("（禄丰市）" in t for t in _texts(fake_api, 111))
    assert db.call(lambda s: s.get(Chat, -501).office_id) == wd
    # the reminder's 已完成: the step's own office's admin, never the sibling's
    steps = db.call(lambda s: {d.office_id: d.id for d in s.exec(select(Deadline).where(
        Deadline.key.contains("2027年全州域名普查"), Deadline.due == dt.date(2027, 3, 5))).all()})
    message = fake_api.make_message("x", chat_id=-501, user_id=777000111, chat_type="group")
    fake_api.push_callback(f"dl:done:{steps[wd]}", message, user_id=222)
    assert await fake_api.until(lambda calls: any(c.method == "answerCallbackQuery" and "负责的联系人或管理员"
                                                  in c.params.get("text", "") for c in calls))
    fake_api.push_callback(f"dl:done:{steps[wd]}", message, user_id=111)
    assert await fake_api.until(lambda calls: any("✅ 已完成" in t for t in _texts(fake_api, -501)))
    assert db.call(lambda s: (s.get(Deadline, steps[wd]).status, s.get(Deadline, steps[lf]).status)) == ("done", "open")


def test_a_countys_campaign_from_the_command_line(db, prefecture, tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, DATABASE_URL=db.url.replace("postgresql+psycopg", "postgresql"), BOT_REGION=HOME)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)

    (tmp_path / "own.yaml").write_text("title: 县级自查\ndeadlines:\n  - id: s1\n    date: 2027-01-15\n"
                                       "    what: 各乡镇自查\n    who: 各乡镇\n    to: 县政府办\n", encoding="utf-8")
    added = cli("campaign", "add", "own.yaml", "--office", "武定县")
    assert added.returncode == 0 and "已新增工作安排“县级自查”" in added.stdout
    rows = db.call(lambda s: s.exec(select(Deadline.office_id).where(Deadline.key.contains("县级自查"))).all())
    assert rows == [prefecture["武定县"]]
    assert "县级自查" in cli("campaign", "list", "--office", "武定县").stdout
    sibling = cli("campaign", "list", "--office", "禄丰市").stdout
    assert "县级自查" not in sibling and "全州政府网站域名清理" in sibling  # the home's reaches it
    assert cli("campaign", "end", "县级自查", "--office", "禄丰市").returncode == 1
    assert cli("campaign", "end", SHIPPED, "--office", "武定县").returncode == 1  # the level above's
    assert "已结束" in cli("campaign", "end", "县级自查", "--office", "武定县").stdout
    assert cli("campaign", "list", "--office", "火星县").returncode == 2


def test_a_campaign_sheet_may_name_the_level_or_leave_it_to_who_reports(tmp_path):
    from openpyxl import Workbook

    from bot.campaigns.files import read_campaign_file

    book = Workbook()
    for row in (["名称", "2027年域名普查"], ["日期", "事项", "报送单位", "报送对象", "办理层级"],
                ["2027-03-05", "收集", "各乡镇", "县政府办", ""], ["2027-03-20", "汇总", "州政府办", "", "县级、州直部门"],
                ["2027-03-25", "归档", "各县市人民政府", "", "本级"]):
        book.active.append(row)
    book.save(tmp_path / "c.xlsx")
    campaign = read_campaign_file("c.xlsx", (tmp_path / "c.xlsx").read_bytes())
    assert [m.levels for m in campaign.milestones] == [("county",), ("county", "departments"), ()]
    book.active.append(["2027-03-26", "x", "", "", "乡镇"])
    book.save(tmp_path / "c.xlsx")
    with pytest.raises(CampaignError, match="第6行 offices"):
        read_campaign_file("c.xlsx", (tmp_path / "c.xlsx").read_bytes())
