"""Routes with people at each level (notes/offices-at-every-level.md, "Routes"): each step of an application is
recorded by the office that holds it in this deployment, whoever holds the next step is told, and each office
sees the applications waiting on it, never a sibling's. Services on SQLite and PostgreSQL, then the same through
the fake Bot API."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import select

from bot.applications import records
from bot.db.models import Application, Chat, Delivery, Unit
from bot.offices.service import add_office
from bot.registry.access import NotAllowed, Role, grant_admin, role_of
from bot.registry.importer import import_file
from bot.registry.region import set_region
from knowledge.applications import ContactInfo, Spec, Step, route

HOME = "楚雄彝族自治州"
HOME_ADMIN = 42  # BOT_ADMIN_IDS
HOME_ADMINS = frozenset({HOME_ADMIN})
WUDING, LUFENG, DEPARTMENTS = 111, 222, 333
SHEET = """单位名称,域名,联系人,联系电话
楚雄州人民政府,www.cxz.gov.cn,甲,13900000000
楚雄州林业和草原局,lcj.cxz.gov.cn,乙,13900000001
武定县人民政府,www.wuding.gov.cn,丙,13900000002
武定县教育体育局,jyj.wuding.gov.cn,丁,13900000003
禄丰市人民政府,www.lufeng.gov.cn,戊,13900000004
禄丰市财政局,czj.lufeng.gov.cn,己,13900000005
牟定县财政局,czj.mouding.gov.cn,庚,13900000006
"""
CONTACT = ContactInfo("张三", "办公室主任", "0878-8711677", "zs@example.cn")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def offices(db):
    """楚雄州 at home (admin 42); 武定县 (111), 禄丰市 (222) and the 州直部门 group (333) under it."""
    db.call(lambda s: set_region(s, HOME, "test"))
    assert import_file(db.call, SHEET.encode(), "sheet.csv", "test", region=HOME).written
    ids = {}
    for region, admin, departments in (("武定县", WUDING, False), ("禄丰市", LUFENG, False), ("楚雄州", DEPARTMENTS, True)):
        ids[region] = db.call(lambda s, r=region, a=admin, d=departments: add_office(s, r, HOME, "cli", (a,), d).id)
    return ids


def _role(db, user: int) -> Role:
    return Role(True, ()) if user == HOME_ADMIN else db.call(lambda s: role_of(s, user, HOME_ADMINS))


def _apply(db, unit: str, user: int, action: str = "cancel", domains: tuple[str, ...] = ()) -> int:
    domains = list(domains) or [_domain_of(db, unit)]
    spec = Spec(action, unit, domains, None, CONTACT)
    return db.call(lambda s: records.create(s, spec, f"telegram:{user}", _role(db, user), NOW).application.id)


def _domain_of(db, unit: str) -> str:
    return next(line.split(",")[1] for line in SHEET.splitlines() if line.startswith(unit + ","))


def _advance(db, app_id: int, step: int, user: int):
    return db.call(lambda s: records.advance(s, app_id, step, f"telegram:{user}", _role(db, user), NOW,
                                             home_admins=HOME_ADMINS))


def _notices(db) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for chat, text in db.call(lambda s: s.exec(select(Delivery.chat_id, Delivery.text).order_by(Delivery.id)).all()):
        out.setdefault(chat, []).append(text)
    return out


def _listed(db, user: int) -> list[str]:
    return [p.application.unit_name for p in db.call(lambda s: records.open_applications(s, _role(db, user)))]


def test_each_step_names_its_division_and_routes_stored_before_still_load():
    steps, _ = route("register", "武定县教育体育局")
    assert [(s.holder, s.place) for s in steps] == [
        ("本单位主要负责人", ""), ("武定县人民政府办公室", "532329"), ("楚雄彝族自治州人民政府办公室", "532300"),
        ("云南省人民政府办公厅", "530000"), ("武定县人民政府门户网站", "532329")]
    for action in ("register", "cancel", "change_holder", "change_contact"):
        for unit, kind, legacy in (("武定县人民政府", "portal", False), ("楚雄州林业和草原局", None, False),
                                   ("武定县财政局", None, True), ("利川市教育局", None, False)):
            for step in route(action, unit, kind, legacy)[0]:
                old = {k: v for k, v in step.to_json().items() if k != "place"}  # as stored before
                if step.holder != "政府网站主管单位":  # its place is the unit's, which its name does not say
                    assert Step.from_json(old) == step, (action, unit, step)
                assert Step.from_json(step.to_json()) == step
    assert route("register", "利川市教育局")[0][2].place == "422800"  # 恩施州's office, any region


def test_an_application_crossing_two_levels_each_office_recording_its_own(db, offices):
    app_id = _apply(db, "武定县教育体育局", WUDING)
    _advance(db, app_id, 0, WUDING)  # the unit's own step: its office's admin may record it
    assert _notices(db) == {}  # the county office's step: 111 holds it and just acted
    after = _advance(db, app_id, 1, WUDING)  # the county step
    assert after.current.holder == "楚雄彝族自治州人民政府办公室" and after.recorder == "楚雄彝族自治州人民政府办公室"
    assert not after.may_record and not after.may_reject  # no button for the county admin any more
    notices = _notices(db)
    assert set(notices) == {HOME_ADMIN} and "现在到“楚雄彝族自治州人民政府办公室：逐级审核”" in notices[HOME_ADMIN][0]
    # the county admin pressing the prefecture's step is refused, told who records it; nothing moves
    with pytest.raises(NotAllowed, match="由楚雄彝族自治州人民政府办公室的管理员登记"):
        _advance(db, app_id, 2, WUDING)
    with pytest.raises(NotAllowed, match="退回由楚雄彝族自治州人民政府办公室的管理员登记"):
        db.call(lambda s: records.check_may_reject(s, app_id, _role(db, WUDING)))
    assert db.call(lambda s: s.get(Application, app_id).step) == 2
    # the county still sees its unit's application; the home office sees it waiting on it, first
    home_view = db.call(lambda s: records.open_applications(s, _role(db, HOME_ADMIN)))
    assert [(p.application.id, p.waiting_here, p.may_record) for p in home_view] == [(app_id, True, True)]
    county_view = db.call(lambda s: records.open_applications(s, _role(db, WUDING)))
    assert [(p.application.id, p.waiting_here) for p in county_view] == [(app_id, False)]
    _advance(db, app_id, 2, HOME_ADMIN)  # the prefecture's step, by its admin
    province = _advance(db, app_id, 3, HOME_ADMIN)  # the province above the deployment: the home office records it
    assert province.current.holder == "武定县人民政府门户网站"
    notices = _notices(db)
    assert "现在到“武定县人民政府门户网站：收回下级域名”" in notices[WUDING][-1]
    assert LUFENG not in notices and DEPARTMENTS not in notices
    done = _advance(db, app_id, 4, WUDING)  # the county portal takes the domain back
    assert done.application.status == "approved"
    # the applying unit's office hears of the outcome, but 111 recorded it: no message to the one who acted
    assert not any("审批完成" in t for texts in _notices(db).values() for t in texts)


def test_a_sibling_office_neither_sees_nor_presses_anothers_application(db, offices):
    app_id = _apply(db, "武定县教育体育局", WUDING)
    lufeng = _role(db, LUFENG)
    assert _listed(db, LUFENG) == [] and _listed(db, WUDING) == ["武定县教育体育局"]
    for attempt in (lambda s: records.advance(s, app_id, 0, "telegram:222", lufeng, NOW),
                    lambda s: records.check_may_reject(s, app_id, lufeng),
                    lambda s: records.attach(s, app_id, "telegram:222", lufeng, NOW, "f", "回执.pdf")):
        with pytest.raises(NotAllowed) as refused:
            db.call(attempt)
        assert "武定" not in str(refused.value)  # the refusal names nothing of the sibling's
    assert not db.call(lambda s: records.may_attach(s, app_id, lufeng))
    assert db.call(lambda s: (s.get(Application, app_id).step, s.get(Application, app_id).status)) == (0, "open")
    # nor does the departments group, nor a contact of another unit
    assert _listed(db, DEPARTMENTS) == []


def test_steps_without_an_office_of_their_own_fall_to_the_office_above_or_home(db, offices):
    # 牟定县 has no office: its county step is the home office's, and the home office's other admins are told
    db.call(lambda s: grant_admin(s, 43, "test"))
    app_id = _apply(db, "牟定县财政局", HOME_ADMIN)
    _advance(db, app_id, 0, HOME_ADMIN)
    assert _listed(db, WUDING) == [] and set(_notices(db)) == {43}  # not the one who acted
    assert db.call(lambda s: records.progress(s, app_id, _role(db, HOME_ADMIN))).recorder == "楚雄彝族自治州人民政府办公室"
    # a prefecture department: its own office's step is the 州政府办公室's (home), not the departments group's
    dept = _apply(db, "楚雄州林业和草原局", DEPARTMENTS)
    _advance(db, dept, 0, DEPARTMENTS)  # its own unit's step
    with pytest.raises(NotAllowed, match="楚雄彝族自治州人民政府办公室的管理员"):
        _advance(db, dept, 1, DEPARTMENTS)
    _advance(db, dept, 1, HOME_ADMIN)


def test_a_province_deployment_gives_a_county_without_office_to_its_prefecture(db):
    """云南省 at home, 楚雄州 an office (admin 500), 武定县 none: 武定县's step is recorded by 楚雄州's office,
    the province's by the home office."""
    db.call(lambda s: set_region(s, "云南省", "test"))
    assert import_file(db.call, SHEET.encode(), "sheet.csv", "test", region="云南省").written
    db.call(lambda s: add_office(s, "楚雄州", "云南省", "cli", (500,)))
    app_id = _apply(db, "武定县教育体育局", 500)
    _advance(db, app_id, 0, 500)
    _advance(db, app_id, 1, 500)  # the county's step: the nearest office enclosing it
    _advance(db, app_id, 2, 500)  # the prefecture's own
    with pytest.raises(NotAllowed, match="由云南省人民政府办公厅的管理员登记"):
        _advance(db, app_id, 3, 500)
    _advance(db, app_id, 3, HOME_ADMIN)


def test_a_route_stored_before_steps_named_their_place_is_held_the_same_way(db, offices):
    app_id = _apply(db, "武定县教育体育局", WUDING)

    def strip(session):  # as an application filed before this change stored it
        application = session.get(Application, app_id)
        application.route = json.dumps([{k: v for k, v in step.items() if k != "place"}
                                        for step in json.loads(application.route)], ensure_ascii=False)
        session.add(application)

    db.call(strip)
    _advance(db, app_id, 0, WUDING)
    _advance(db, app_id, 1, WUDING)
    with pytest.raises(NotAllowed, match="楚雄彝族自治州人民政府办公室的管理员"):
        _advance(db, app_id, 2, WUDING)


def test_the_holding_offices_group_is_told_and_stall_reminders_go_to_the_holder_only(db, offices):
    db.call(lambda s: s.add(Chat(id=-1001, title="武定县政务公开群", office_id=offices["武定县"])))
    db.call(lambda s: s.add(Chat(id=-1002, title="禄丰市群", office_id=offices["禄丰市"])))
    app_id = _apply(db, "武定县教育体育局", HOME_ADMIN)
    _advance(db, app_id, 0, HOME_ADMIN)  # now at the county's office
    notices = _notices(db)
    assert set(notices) == {WUDING, -1001} and "现在到“武定县人民政府办公室：审核”" in notices[-1001][0]
    later = NOW.date() + dt.timedelta(days=21)
    db.call(lambda s: s.execute(Delivery.__table__.delete()))
    assert db.call(lambda s: records.enqueue_stall_reminders(s, NOW, later, 5, HOME_ADMINS)) == 2
    assert set(_notices(db)) == {WUDING, -1001}  # not 222, 333, nor their groups; not the home office either



def test_a_new_units_application_waits_on_its_countys_office_and_the_unit_lands_there(db, offices):
    """A home admin files a registration for a unit the registry does not have yet: the county office still sees
    it and records its steps, and once approved the unit is in that county's office."""
    spec = Spec("register", "武定县统计局", ["tjj.wuding.gov.cn"], 1, CONTACT)
    app_id = db.call(lambda s: records.create(s, spec, "telegram:42", _role(db, HOME_ADMIN), NOW).application.id)
    assert _listed(db, WUDING) == ["武定县统计局"] and _listed(db, LUFENG) == []
    for step, user in ((0, WUDING), (1, WUDING), (2, HOME_ADMIN), (3, HOME_ADMIN), (4, WUDING)):
        _advance(db, app_id, step, user)
    unit = db.call(lambda s: s.exec(select(Unit).where(Unit.name == "武定县统计局")).one())
    assert unit.office_id == offices["武定县"]



def test_a_rejection_is_recorded_by_the_holding_office_and_told_to_the_applicants_office(db, offices):
    app_id = _apply(db, "武定县教育体育局", WUDING)
    _advance(db, app_id, 0, WUDING)
    _advance(db, app_id, 1, WUDING)
    db.call(lambda s: s.execute(Delivery.__table__.delete()))
    with pytest.raises(NotAllowed):
        db.call(lambda s: records.reject(s, app_id, "telegram:111", _role(db, WUDING), NOW, "不同意", HOME_ADMINS))
    db.call(lambda s: records.reject(s, app_id, "telegram:42", _role(db, HOME_ADMIN), NOW, "材料不全", HOME_ADMINS))
    notices = _notices(db)
    assert set(notices) == {WUDING} and "被“楚雄彝族自治州人民政府办公室”退回：材料不全" in notices[WUDING][0]


# -- the same through the fake Bot API ---------------------------------------------------------------------------
async def _said(fake_api, user: int, text: str, expect: str) -> str:
    before = len(fake_api.sent_texts(user))
    fake_api.push_text(text, chat_id=user, user_id=user)
    return await _reply_to(fake_api, user, before, expect)


async def _pressed(fake_api, user: int, data: str, expect: str) -> str:
    before = len(fake_api.sent_texts(user))
    fake_api.push_callback(data, fake_api.make_message("x", chat_id=user, user_id=777000111), user_id=user)
    return await _reply_to(fake_api, user, before, expect)


async def _reply_to(fake_api, user: int, before: int, expect: str) -> str:
    assert await fake_api.until(lambda calls: any(expect in t for t in fake_api.sent_texts(user)[before:]), timeout=15), \
        f"no reply with {expect!r} to {user}; got {fake_api.sent_texts(user)[before:]}"
    return next(t for t in fake_api.sent_texts(user)[before:] if expect in t)


async def _alert(fake_api, user: int, data: str) -> str:
    """The answer to a button press that changes nothing (an alert)."""
    before = len(fake_api.calls_to("answerCallbackQuery"))
    fake_api.push_callback(data, fake_api.make_message("x", chat_id=user, user_id=777000111), user_id=user)
    assert await fake_api.until(lambda calls: sum(c.method == "answerCallbackQuery" for c in calls) > before)
    return fake_api.calls_to("answerCallbackQuery")[before].params.get("text", "")


def _keyboard(fake_api, user: int) -> list[str]:
    for call in reversed(fake_api.calls_to("sendMessage")):
        if int(call.params.get("chat_id", 0)) == user and "reply_markup" in call.params:
            markup = call.params["reply_markup"]
            markup = json.loads(markup) if isinstance(markup, str) else markup
            return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]
    return []


@pytest.fixture
async def prefecture_bot(settings, fake_api, clock):
    """The running bot of a deployment whose BOT_REGION is the prefecture."""
    from tests.support.app import polling_bot

    async with polling_bot(settings.model_copy(update={"bot_region": HOME}), clock) as app:
        yield app


async def test_in_chat_the_county_records_its_step_the_prefecture_is_told_and_records_its_own(prefecture_bot, fake_api):
    running_bot = prefecture_bot
    db = running_bot.bot_data.db
    await running_bot.bot_data.warm_up
    assert import_file(db.call, SHEET.encode(), "sheet.csv", "test", region=HOME).written
    for region, admin in (("武定县", WUDING), ("禄丰市", LUFENG)):
        db.call(lambda s, r=region, a=admin: add_office(s, r, HOME, "cli", (a,)))
    # the county admin files the cancellation of its education bureau's domain
    await _said(fake_api, WUDING, "/apply", "请选择申请的业务")
    await _pressed(fake_api, WUDING, "ap:act:cancel", "申请单位全称")
    await _said(fake_api, WUDING, "教育体育局", "请选择要注销的域名")  # read in the county's own place
    await _pressed(fake_api, WUDING, "ap:tog:0", "请选择要注销的域名")
    await _pressed(fake_api, WUDING, "ap:done", "域名联系人")
    await _said(fake_api, WUDING, "张三 办公室主任 0878-8711677 zs@example.cn", "请核对后提交")
    await _pressed(fake_api, WUDING, "ap:submit", "已登记申请")
    app_id = db.call(lambda s: s.exec(select(Application.id)).one())
    # the unit's own step and the county's: the county admin records both
    await _pressed(fake_api, WUDING, f"aq:adv:{app_id}:0", "当前在 武定县人民政府办公室")
    moved = await _pressed(fake_api, WUDING, f"aq:adv:{app_id}:1", "当前在 楚雄彝族自治州人民政府办公室")
    assert "▶️ 楚雄彝族自治州人民政府办公室：逐级审核" in moved
    assert not any(b.startswith("aq:adv:") for b in _keyboard(fake_api, WUDING))  # not the county's to press
    refused = await _alert(fake_api, WUDING, f"aq:adv:{app_id}:2")
    assert "楚雄彝族自治州人民政府办公室的管理员登记" in refused
    # the prefecture's admin is told, through the outbox, in their private chat
    told = await _reply_to(fake_api, HOME_ADMIN, 0, "现在到“楚雄彝族自治州人民政府办公室：逐级审核”")
    assert "武定县教育体育局" in told
    # the sibling county sees nothing and presses nothing
    await _said(fake_api, LUFENG, "/applications", "没有办理中的申请")
    for data in (f"aq:adv:{app_id}:2", f"aq:rej:{app_id}", f"aq:att:{app_id}"):
        answer = await _alert(fake_api, LUFENG, data)
        assert answer and "武定" not in answer
    assert not any("武定" in t for t in fake_api.sent_texts(LUFENG))
    assert db.call(lambda s: s.get(Application, app_id).step) == 2
    # the prefecture records its step and the province's (above this deployment); the county is told
    listing = await _said(fake_api, HOME_ADMIN, "/applications", "等待本办公室办理")
    assert "1 份" in listing
    await _pressed(fake_api, HOME_ADMIN, f"aq:adv:{app_id}:2", "当前在 云南省人民政府办公厅，由楚雄彝族自治州人民政府办公室登记")
    await _pressed(fake_api, HOME_ADMIN, f"aq:adv:{app_id}:3", "当前在 武定县人民政府门户网站")
    await _reply_to(fake_api, WUDING, 0, "现在到“武定县人民政府门户网站：收回下级域名”")
    await _pressed(fake_api, WUDING, f"aq:adv:{app_id}:4", "审批完成")
    assert db.call(lambda s: s.get(Application, app_id).status) == "approved"


def test_a_single_office_deployment_tells_only_when_a_step_changes_hands(db):
    """No office added: the home office records every step; its other admins hear when the unit's own step is
    done (the application is now the office's), not of each step the office goes on with."""
    assert import_file(db.call, SHEET.encode(), "sheet.csv", "test", region=HOME).written
    db.call(lambda s: grant_admin(s, 43, "test"))
    app_id = _apply(db, "武定县教育体育局", HOME_ADMIN)
    _advance(db, app_id, 0, HOME_ADMIN)
    assert list(_notices(db)) == [43] and len(_notices(db)[43]) == 1
    for step in (1, 2, 3):
        _advance(db, app_id, step, HOME_ADMIN)
    assert len(_notices(db)[43]) == 1
    _advance(db, app_id, 4, HOME_ADMIN)
    assert "审批完成" in _notices(db)[43][-1]
