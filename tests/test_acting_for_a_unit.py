"""Who may act for which unit (notes/acting-for-a-unit.md): every place a user names a unit or a domain (typed,
in a conversation, in button data) goes through bot.registry.access, which refuses a contact anything but
their own units; approval steps advance once, from the step the button names; groups receive only what a bot
admin or a unit's contact bound them to; invites link by Telegram id. Each test failed before its fix."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlmodel import select

from bot.db.models import Application, ApplicationEvent, AuditLog, Chat, Contact, Delivery, Domain, Unit
from bot.registry.access import (
    NotAllowed,
    Role,
    create_invite,
    domain_by_id,
    domain_for,
    redeem_invite,
    role_of,
    unit_by_id,
    unit_for,
    views_for,
)
from bot.registry.importer import import_file
from bot.registry.lookup import RegistryError
from knowledge.applications import ContactInfo, Spec
from tests.support.samples import ADMIN, ROWS, xlsx

REGION = "云南省楚雄彝族自治州武定县"
CONTACT = 6100  # linked contact of 武定县财政局
ADMIN_ROLE = Role(True, ())
REFUSED = "只能查看和办理本单位的事项"


def _seed(db, tmp_path) -> dict[str, int]:
    """The sample registry; CONTACT linked to 武定县财政局. Unit ids by name, domain ids by name."""
    from bot.registry.edits import upsert_contact

    report = import_file(db.call, xlsx(tmp_path, ROWS).read_bytes(), "in.xlsx", "test", region=REGION)
    assert report.written
    db.call(lambda s: upsert_contact(s, "武定县财政局", "李四", "test", telegram_id=CONTACT))
    units = dict(db.call(lambda s: s.exec(select(Unit.name, Unit.id)).all()))
    domains = dict(db.call(lambda s: s.exec(select(Domain.name, Domain.id)).all()))
    return units | domains


def _contact(db) -> Role:
    role = db.call(lambda s: role_of(s, CONTACT, frozenset({ADMIN})))
    assert not role.admin and len(role.units) == 1
    return role


# -- the resolver ----------------------------------------------------------------------------------------------
def test_a_contact_names_only_their_own_unit_in_any_form(db, tmp_path):
    ids = _seed(db, tmp_path)
    contact = _contact(db)
    for named in ("武定县人民政府", "人社局", "武定县人力资源和社会保障局", "www.wuding.gov.cn",
                  "https://WWW.WUDING.GOV.CN/index.html", "wuding.gov.cn", "不存在的单位", ""):
        with pytest.raises(NotAllowed, match=REFUSED if named else "本单位"):
            db.call(lambda s, named=named: unit_for(s, contact, named, region=REGION))
    for named in ("武定县财政局", "财政局", "czj.wuding.gov.cn"):
        assert db.call(lambda s, named=named: unit_for(s, contact, named, region=REGION).name) == "武定县财政局"
    assert db.call(lambda s: unit_for(s, ADMIN_ROLE, "人社局", region=REGION).name) == "武定县人力资源和社会保障局"
    with pytest.raises(RegistryError, match="登记册中没有单位"):
        db.call(lambda s: unit_for(s, ADMIN_ROLE, "不存在的单位", region=REGION))
    # by domain and by id (button data)
    with pytest.raises(NotAllowed, match=REFUSED):
        db.call(lambda s: domain_for(s, contact, "www.wuding.gov.cn"))
    assert db.call(lambda s: domain_for(s, contact, "CZJ.wuding.gov.cn").name) == "czj.wuding.gov.cn"
    with pytest.raises(NotAllowed):
        db.call(lambda s: domain_by_id(s, contact, ids["www.wuding.gov.cn"]))
    with pytest.raises(NotAllowed):
        db.call(lambda s: unit_by_id(s, contact, ids["武定县人民政府"]))
    with pytest.raises(NotAllowed, match="只有管理员"):
        db.call(lambda s: domain_by_id(s, contact, ids["czj.wuding.gov.cn"], admin_only=True))
    assert db.call(lambda s: unit_by_id(s, contact, ids["武定县财政局"]).name) == "武定县财政局"
    # /status searches: another unit's contact phone or name finds nothing for a contact
    for query in ("wdwgzx@126.com", "张晓霞", "武定县人民政府"):
        with pytest.raises(NotAllowed):
            db.call(lambda s, query=query: views_for(s, contact, query, region=REGION))
    assert [v.unit.name for v in db.call(lambda s: views_for(s, contact, "李四", region=REGION))] == ["武定县财政局"]
    # the actor is required: there is no way to ask without one
    with pytest.raises(TypeError):
        db.call(lambda s: unit_for(s, None, "武定县财政局"))  # type: ignore[arg-type]


def _spec(action: str, unit: str, domains: list[str], **extra) -> Spec:
    return Spec(action, unit, domains, extra.pop("years", None), ContactInfo("王五", "主任", "13900000000", "w@example.cn"),
                extra.pop("reason", ""), extra.pop("kind", None), False, extra.pop("replaces", []))


def test_an_application_for_another_unit_or_its_domains_is_refused_when_created(db, tmp_path):
    from bot.applications import records

    _seed(db, tmp_path)
    contact, now = _contact(db), dt.datetime.now(dt.UTC)
    for spec in (_spec("change_contact", "武定县人民政府", ["www.wuding.gov.cn"]),  # the attack of the trial
                 _spec("cancel", "武定县财政局", ["www.wuding.gov.cn"], reason="x"),  # own unit, another's domain
                 _spec("register", "武定县新设单位", ["xsdw.wuding.gov.cn"], years=1)):  # a unit not registered
        with pytest.raises(NotAllowed):
            db.call(lambda s, spec=spec: records.create(s, spec, f"telegram:{CONTACT}", contact, now))
    assert db.call(lambda s: s.exec(select(Application)).all()) == []
    made = db.call(lambda s: records.create(s, _spec("change_contact", "武定县财政局", ["czj.wuding.gov.cn"]),
                                            f"telegram:{CONTACT}", contact, now))
    assert made.application.unit_name == "武定县财政局"


def test_a_second_open_application_for_a_domain_is_refused_naming_the_first(db, tmp_path):
    from bot.applications import records

    _seed(db, tmp_path)
    now = dt.datetime.now(dt.UTC)
    first = db.call(lambda s: records.create(s, _spec("cancel", "武定县人力资源和社会保障局", ["www.wdrsj.com"]), "t",
                                             ADMIN_ROLE, now))
    with pytest.raises(RegistryError, match=f"www.wdrsj.com 已在办理中的申请 {first.number}（注销）"):
        db.call(lambda s: records.create(s, _spec("cancel", "武定县人力资源和社会保障局", ["WWW.WDRSJ.COM"]), "t",
                                         ADMIN_ROLE, now))
    assert len(db.call(lambda s: s.exec(select(Application)).all())) == 1


def test_two_applications_for_one_domain_at_once_register_one(db, tmp_path):
    """The first creation's transaction is still open when the second is made: the second waits, then sees the
    first and is refused (before: both were registered)."""
    from bot.applications import records

    _seed(db, tmp_path)
    now, created, outcomes = dt.datetime.now(dt.UTC), threading.Event(), {}
    spec = _spec("cancel", "武定县人力资源和社会保障局", ["www.wdrsj.com"])

    def first():
        def work(session):
            records.create(session, spec, "admin-1", ADMIN_ROLE, now)
            created.set()
            threading.Event().wait(1.0)

        try:
            db.call(work)
            outcomes["first"] = "ok"
        except Exception as exc:  # reported below
            outcomes["first"] = exc

    def second():
        created.wait(10)
        try:
            db.call(lambda s: records.create(s, spec, "admin-2", ADMIN_ROLE, now))
            outcomes["second"] = "ok"
        except RegistryError as exc:
            outcomes["second"] = str(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes["first"] == "ok" and "已在办理中的申请" in outcomes["second"], outcomes
    assert len(db.call(lambda s: s.exec(select(Application)).all())) == 1


# -- approval steps ------------------------------------------------------------------------------------------
def _registration(db, now) -> int:
    from bot.applications import records

    spec = _spec("register", "武定县财政局", ["czj2.wuding.gov.cn"], years=1, kind="department")
    return db.call(lambda s: records.create(s, spec, "t", ADMIN_ROLE, now).application.id)


def test_a_step_is_advanced_only_from_the_step_its_button_names(db, tmp_path):
    from bot.applications import records

    _seed(db, tmp_path)
    now = dt.datetime.now(dt.UTC)
    app_id = _registration(db, now)
    steps = len(db.call(lambda s: records.progress(s, app_id).steps))
    assert steps >= 3
    db.call(lambda s: records.advance(s, app_id, 0, "t", ADMIN_ROLE, now))
    for _ in range(2):  # the same button pressed again: nothing moves (the trial's three taps went 0 → 3)
        with pytest.raises(RegistryError, match="这一步已经登记过了"):
            db.call(lambda s: records.advance(s, app_id, 0, "t", ADMIN_ROLE, now))
    with pytest.raises(RegistryError, match="这一步已经登记过了"):  # nor a step not reached yet
        db.call(lambda s: records.advance(s, app_id, 2, "t", ADMIN_ROLE, now))
    assert db.call(lambda s: s.get(Application, app_id).step) == 1
    for step in range(1, steps):
        db.call(lambda s, step=step: records.advance(s, app_id, step, "t", ADMIN_ROLE, now))
    with pytest.raises(RegistryError, match="已办结"):
        db.call(lambda s: records.advance(s, app_id, steps - 1, "t", ADMIN_ROLE, now))
    events = db.call(lambda s: s.exec(select(ApplicationEvent.kind, ApplicationEvent.step)
                                      .where(ApplicationEvent.application_id == app_id).order_by(ApplicationEvent.id)).all())
    assert [step for kind, step in events if kind == "advanced"] == list(range(steps))
    assert [kind for kind, _ in events].count("completed") == 1


def test_two_admins_completing_the_last_step_at_once_complete_it_once(db, tmp_path):
    """The first completion holds its transaction open while the second is made: on PostgreSQL the second waits
    on the row and then finds the step gone; on SQLite it waits for the write lock. Either way: once."""
    from bot.applications import records

    _seed(db, tmp_path)
    now = dt.datetime.now(dt.UTC)
    app_id = _registration(db, now)
    steps = len(db.call(lambda s: records.progress(s, app_id).steps))
    for step in range(steps - 1):
        db.call(lambda s, step=step: records.advance(s, app_id, step, "t", ADMIN_ROLE, now))
    first_done, outcomes = threading.Event(), {}

    def first():
        def work(session):
            records.advance(session, app_id, steps - 1, "admin-1", ADMIN_ROLE, now)
            first_done.set()
            threading.Event().wait(1.0)  # the transaction stays open while the second admin presses

        try:
            db.call(work)
            outcomes["first"] = "ok"
        except Exception as exc:  # reported below
            outcomes["first"] = exc

    def second():
        first_done.wait(10)
        try:
            db.call(lambda s: records.advance(s, app_id, steps - 1, "admin-2", ADMIN_ROLE, now))
            outcomes["second"] = "ok"
        except RegistryError as exc:
            outcomes["second"] = str(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes["first"] == "ok" and "已办结" in outcomes["second"], outcomes
    kinds = db.call(lambda s: s.exec(select(ApplicationEvent.kind).where(ApplicationEvent.application_id == app_id)).all())
    assert kinds.count("completed") == 1 and kinds.count("advanced") == steps
    follow = db.call(lambda s: s.exec(select(AuditLog).where(AuditLog.actor.startswith("申请"))).all())
    assert len(follow) == 1 and follow[0].summary == "czj2.wuding.gov.cn"  # the registry followed once


# -- invites link by Telegram id --------------------------------------------------------------------------
def test_a_second_invitee_with_the_same_name_never_takes_over_a_linked_contact(db, tmp_path):
    _seed(db, tmp_path)
    codes = [db.call(lambda s: create_invite(s, ADMIN_ROLE, "武定县财政局", "t").code) for _ in range(3)]
    db.call(lambda s: redeem_invite(s, codes[0], 801, "王五"))
    db.call(lambda s: redeem_invite(s, codes[1], 802, "王五"))  # another person, the same display name
    contacts = db.call(lambda s: {c.name: c.telegram_id for c in s.exec(select(Contact)).all()})
    assert contacts["王五"] == 801 and contacts["王五（802）"] == 802
    unit = db.call(lambda s: s.exec(select(Unit.id).where(Unit.name == "武定县财政局")).one())
    for user in (801, 802):
        assert db.call(lambda s, user=user: role_of(s, user, frozenset()).units) == (unit,)
    # an imported contact no one is linked to yet is linked to the person of that name (as before)
    from bot.registry.edits import upsert_contact

    db.call(lambda s: upsert_contact(s, "武定县财政局", "赵六", "import", phone="13700000000"))
    contacts_before = len(db.call(lambda s: s.exec(select(Contact)).all()))
    db.call(lambda s: redeem_invite(s, codes[2], 803, "赵六"))
    linked = db.call(lambda s: s.exec(select(Contact).where(Contact.name == "赵六")).one())
    assert (linked.telegram_id, linked.phone) == (803, "13700000000")
    assert len(db.call(lambda s: s.exec(select(Contact)).all())) == contacts_before
    with pytest.raises(NotAllowed, match="只有管理员"):
        db.call(lambda s: create_invite(s, _contact(db), "武定县财政局", "t"))


# -- every entry point in chat -------------------------------------------------------------------------------
async def _sent(fake_api, text: str, chat: int, user: int, expect: str, chat_type: str = "private") -> str:
    before = len(fake_api.sent_texts(chat))
    fake_api.push_text(text, chat_id=chat, user_id=user, chat_type=chat_type)
    assert await fake_api.until(lambda calls: any(expect in t for t in fake_api.sent_texts(chat)[before:]), timeout=15), \
        (text, fake_api.sent_texts(chat)[before:])
    return next(t for t in fake_api.sent_texts(chat)[before:] if expect in t)


async def _pressed(fake_api, data: str, user: int) -> str:
    before = len(fake_api.calls_to("answerCallbackQuery"))
    fake_api.push_callback(data, fake_api.make_message("x", chat_id=user, user_id=777000111), user_id=user)
    assert await fake_api.until(lambda calls: sum(c.method == "answerCallbackQuery" for c in calls) > before, timeout=15)
    return fake_api.calls_to("answerCallbackQuery")[before].params.get("text", "")


def _state(db) -> tuple:
    """Everything a refused request could have changed."""
    def read(s):
        return (sorted((c.unit_id, c.name, c.phone, c.telegram_id) for c in s.exec(select(Contact)).all()),
                sorted((d.name, d.status, d.notes, d.is_primary) for d in s.exec(select(Domain)).all()),
                s.exec(select(Application)).all(), sorted((c.id, c.subscribed, c.digest, c.unit_id)
                                                          for c in s.exec(select(Chat)).all()))
    return db.call(read)


async def test_a_contact_naming_another_unit_anywhere_is_refused_and_nothing_changes(running_bot, fake_api, tmp_path):
    db = running_bot.bot_data.db
    await running_bot.bot_data.warm_up
    ids = _seed(db, tmp_path)
    before = _state(db)
    me = CONTACT
    # /apply: the full name, the domain, a short name (the trial's attack went through the exact full name)
    await _sent(fake_api, "/apply", me, me, "请选择申请的业务")
    await _pressed(fake_api, "ap:act:change_contact", me)
    for named in ("武定县人民政府", "www.wuding.gov.cn", "人社局"):
        assert "不属于本单位" in await _sent(fake_api, named, me, me, REFUSED)
    await _pressed(fake_api, "ap:unit:5", me)  # a forged pick beyond the offered units: asked again
    await _pressed(fake_api, "ap:unit:0", me)  # the own unit, offered as a button
    await _sent(fake_api, "www.wuding.gov.cn", me, me, "不能申请")  # another unit's domain in the own unit's form
    await _sent(fake_api, "/cancel", me, me, "已取消")
    # commands naming another unit or its domain
    for command, expect in (("/setcontact 武定县人民政府 王五 13900000000", REFUSED),
                            ("/setcontact 人社局 王五 13900000000", REFUSED),
                            ("/status 武定县人民政府", REFUSED), ("/status 张晓霞", REFUSED),
                            ("/status www.wuding.gov.cn", REFUSED), ("/history www.wuding.gov.cn", REFUSED),
                            ("/monitor www.wuding.gov.cn", REFUSED),
                            ("/note www.wuding.gov.cn 改版", "只有管理员"), ("/setstatus www.wuding.gov.cn 闲置", "只有管理员"),
                            ("/invite 武定县人民政府", "只有管理员"), ("/invite 武定县财政局", "只有管理员")):
        await _sent(fake_api, command, me, me, expect)
    # forged button data naming another unit's records
    for data in (f"st:{ids['武定县人民政府']}", f"ss:{ids['www.wuding.gov.cn']}", f"sv:{ids['www.wuding.gov.cn']}:1",
                 f"sp:{ids['www.wuding.gov.cn']}", f"sv:{ids['czj.wuding.gov.cn']}:1"):
        answer = await _pressed(fake_api, data, me)
        assert REFUSED in answer or "只有管理员" in answer, (data, answer)
    # a group: binding it to another unit
    await _sent(fake_api, "/subscribe 武定县人民政府", -901, me, REFUSED, chat_type="group")
    assert _state(db) == before
    # the own unit works in every form
    assert "czj.wuding.gov.cn" in await _sent(fake_api, "/status 财政局", me, me, "<b>武定县财政局</b>")
    await _sent(fake_api, "/history CZJ.wuding.gov.cn", me, me, "的修改记录")
    await _sent(fake_api, "/setcontact 财政局 王五 13900000000", me, me, "已登记联系人 王五")


async def test_a_forged_advance_on_another_units_application_is_refused(running_bot, fake_api, tmp_path):
    from bot.applications import records

    db = running_bot.bot_data.db
    _seed(db, tmp_path)
    now = dt.datetime.now(dt.UTC)
    app_id = db.call(lambda s: records.create(s, _spec("cancel", "武定县人民政府", ["wuding.gov.cn"]), "t", ADMIN_ROLE,
                                              now).application.id)
    for data in (f"aq:adv:{app_id}:0", f"aq:rej:{app_id}", f"aq:att:{app_id}"):
        answer = await _pressed(fake_api, data, CONTACT)
        assert REFUSED in answer or "只有管理员" in answer, (data, answer)
    assert "按钮无效" in await _pressed(fake_api, f"aq:adv:{app_id}", ADMIN)  # sent before buttons named their step
    assert db.call(lambda s: (s.get(Application, app_id).step, s.get(Application, app_id).status)) == (0, "open")


# -- groups ------------------------------------------------------------------------------------------------------
async def test_only_a_group_an_admin_or_a_contact_bound_receives_and_a_contacts_gets_its_unit_only(running_bot, fake_api,
                                                                                                   tmp_path):
    from bot.delivery import queue
    from bot.reporting.progress import enqueue_weekly_digests

    db = running_bot.bot_data.db
    await running_bot.bot_data.warm_up
    _seed(db, tmp_path)
    stranger, stranger_group, unit_group, admin_group = 6200, -902, -903, -904
    fake_api.group_admins.add(stranger)  # they made the group: its admin, nothing more
    for command in ("/digest on", "/subscribe"):
        await _sent(fake_api, command, stranger_group, stranger, "单位已绑定的联系人", chat_type="group")
    await _sent(fake_api, "/digest on", unit_group, CONTACT, "“武定县财政局”的", chat_type="group")
    await _sent(fake_api, "/digest on", admin_group, ADMIN, "全部单位的", chat_type="group")
    # a contact cannot re-bind the admin's group to their unit, nor a stranger take over the unit's group
    await _sent(fake_api, "/subscribe", admin_group, CONTACT, "只有管理员可以修改", chat_type="group")
    await _sent(fake_api, "/subscribe 武定县财政局", unit_group, stranger, "单位已绑定的联系人", chat_type="group")
    chats = db.call(lambda s: {c.id: (c.subscribed, c.digest, c.unit_id) for c in s.exec(select(Chat)).all()})
    unit = db.call(lambda s: s.exec(select(Unit.id).where(Unit.name == "武定县财政局")).one())
    assert chats.get(stranger_group, (False, False, None))[:2] == (False, False)
    assert chats[unit_group] == (True, True, unit) and chats[admin_group] == (True, True, None)
    now = dt.datetime.now(dt.UTC)
    assert db.call(lambda s: enqueue_weekly_digests(s, now, dt.date(2026, 11, 30), 1, frozenset({ADMIN}))) == 3
    db.call(lambda s: queue.broadcast(s, "通知", now, "t"))
    sent = db.call(lambda s: s.exec(select(Delivery.chat_id, Delivery.kind, Delivery.text)).all())
    assert stranger_group not in {chat for chat, _, _ in sent}
    unit_digest = next(text for chat, kind, text in sent if chat == unit_group and kind == "digest")
    admin_digest = next(text for chat, kind, text in sent if chat == admin_group and kind == "digest")
    assert "wuding.gov.cn" not in unit_digest.replace("czj.wuding.gov.cn", "") and "人民政府" not in unit_digest
    assert "人民政府" in admin_digest or "合计" in admin_digest
    # stopping is never a leak: the group's own admin may turn it off, a member may not
    await _sent(fake_api, "/unsubscribe", unit_group, 6202, "只有群管理员", chat_type="group")
    await _sent(fake_api, "/digest off", unit_group, stranger, "已关闭每周汇总", chat_type="group")
    await _sent(fake_api, "/unsubscribe", unit_group, CONTACT, "已取消订阅", chat_type="group")


# -- smaller ones -------------------------------------------------------------------------------------------------
@pytest.fixture
def silent_dns(monkeypatch):
    """A DNS server on 127.0.0.1 that never answers for www.slow.gov.cn; nothing may leave the loopback."""
    from tests.support.monitor_servers import LocalDNS, loopback_only

    refused = loopback_only(monkeypatch)
    dns = LocalDNS().start()
    dns.zones.silent = {"www.slow.gov.cn", "slow.gov.cn"}
    yield dns
    dns.stop()
    assert not refused, f"a test tried to reach {refused}"


async def test_checks_by_hand_are_limited_even_when_asked_for_at_once(silent_dns, fake_api, clock, tmp_path):
    """Ten /monitor at the same moment from ten chats: the limit of 8 holds (the slot is taken before the reply
    is sent, not after)."""
    from bot.config.settings import load_settings
    from handlers.monitoring import MAX_RUNNING
    from tests.support.app import polling_bot
    from tests.support.env import TEST_TOKEN

    settings = load_settings(telegram_bot_token=TEST_TOKEN, telegram_api_base_url=fake_api.base_url,
                             database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", bot_admin_ids="5001",
                             monitor_enabled=False, monitor_lookalikes=False, monitor_timeout=3.0, monitor_retries=0,
                             monitor_resolvers=silent_dns.address, monitor_probe_networks="127.0.0.0/8",
                             monitor_whois="off", update_concurrency=16)
    fake_api.delays["sendMessage"] = 0.3  # each reply takes a while to be accepted: the window the race needs
    chats = range(7001, 7011)
    async with polling_bot(settings, clock):
        for chat in chats:
            fake_api.push_text("/monitor www.slow.gov.cn", chat_id=chat, user_id=5001)

        def answered(calls):
            return sum(1 for c in calls if c.method == "sendMessage" and int(c.params.get("chat_id", 0)) in chats
                       and ("正在检查" in c.params.get("text", "") or "较多" in c.params.get("text", ""))) >= 10

        assert await fake_api.until(answered, timeout=20)
        texts = [c.params["text"] for c in fake_api.calls_to("sendMessage") if int(c.params.get("chat_id", 0)) in chats]
        assert sum("正在检查" in t for t in texts) == MAX_RUNNING
        assert sum("较多" in t for t in texts) == len(chats) - MAX_RUNNING
        fake_api.delays["sendMessage"] = 0


async def test_a_forged_due_page_shows_the_last_page(running_bot, fake_api, tmp_path):
    db = running_bot.bot_data.db
    _seed(db, tmp_path)
    first = await _sent(fake_api, "/due", ADMIN, ADMIN, "待办期限")
    assert "•" in first
    before = len(fake_api.calls_to("editMessageText")) + len(fake_api.sent_texts(ADMIN))
    fake_api.push_callback("du:99999", fake_api.make_message("x", chat_id=ADMIN, user_id=777000111), user_id=ADMIN)

    def shown(calls):
        return len(fake_api.calls_to("editMessageText")) + len(fake_api.sent_texts(ADMIN)) > before

    assert await fake_api.until(shown, timeout=15)
    edits = [c.params.get("text", "") for c in fake_api.calls_to("editMessageText")] + fake_api.sent_texts(ADMIN)[-1:]
    page = next(t for t in edits if "待办期限" in t)
    assert "•" in page and page.split("\n", 1)[1] == first.split("\n", 1)[1]  # the same items as the only page


async def test_a_campaign_file_in_a_group_is_taken_only_when_addressed_to_the_bot(running_bot, fake_api):
    from bot.db.models import CampaignRecord

    db = running_bot.bot_data.db
    await running_bot.bot_data.warm_up
    body = "title: 2028年复查\nsource: 某文号\ndeadlines:\n  - date: 2028-02-28\n    what: 复查\n".encode()
    fake_api.push_document("复查.yaml", body, chat_id=-906, user_id=ADMIN, chat_type="group")
    await _sent(fake_api, "/due", -906, ADMIN, "", chat_type="group")  # answered after the file: it was passed over
    assert db.call(lambda s: s.exec(select(CampaignRecord)).all()) == []
    assert not [t for t in fake_api.sent_texts(-906) if "工作安排" in t]
    fake_api.files["yaml1"] = body
    document = {"file_id": "yaml1", "file_unique_id": "yaml1", "file_name": "复查.yaml", "file_size": len(body)}
    entities = [{"type": "mention", "offset": 0, "length": len("@domainbot_test")}]
    fake_api.push({"message": fake_api.make_message(None, -906, ADMIN, "group", document=document,
                                                    caption="@domainbot_test", caption_entities=entities)})
    assert await fake_api.until(lambda calls: any("已新增工作安排" in t for t in fake_api.sent_texts(-906)), timeout=15)


def test_handlers_find_named_units_and_domains_only_through_the_access_check():
    """The check cannot be forgotten: no handler imports a way to find a unit or domain by what a user typed
    other than bot.registry.access (whose functions all take the user's Role)."""
    import ast
    from pathlib import Path

    forbidden = {"lookup", "find_unit_id", "domain_by_name", "_units_by_short_name"}
    found = []
    for path in sorted(Path("handlers").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "bot.registry.lookup":
                found += [f"{path}: {alias.name}" for alias in node.names if alias.name in forbidden]
    assert found == []


def test_two_imports_at_once_are_serialised_without_an_integrity_error(db, tmp_path):
    """The first import's transaction stays open after it has written its new units while a second import of the
    same sheet starts: the second waits for it and then finds the units there (before: it had read the registry
    without them, inserted them again and ended in an IntegrityError)."""
    data = xlsx(tmp_path, ROWS).read_bytes()
    written, outcomes = threading.Event(), {}

    def held_call(fn):
        def work(session):
            result = fn(session)
            written.set()
            threading.Event().wait(1.5)  # not committed yet
            return result

        return db.call(work)

    def run(name, call):
        try:
            outcomes[name] = import_file(call, data, "in.xlsx", name, region=REGION)
        except Exception as exc:  # reported below
            outcomes[name] = exc

    first = threading.Thread(target=run, args=("first", held_call))
    first.start()
    assert written.wait(30)
    second = threading.Thread(target=run, args=("second", db.call))
    second.start()
    first.join(30)
    second.join(30)
    assert outcomes["first"].units_created == len({row[0] for row in ROWS}), outcomes
    assert not isinstance(outcomes["second"], Exception), outcomes["second"]
    assert outcomes["second"].units_created == 0 and outcomes["second"].unchanged == len(ROWS)
    assert len(db.call(lambda s: s.exec(select(Unit)).all())) == len({row[0] for row in ROWS})


def test_an_import_waiting_too_long_for_another_is_told_in_chinese(db, tmp_path):
    from bot.registry.sheets import SpreadsheetError

    if db.dialect != "sqlite":
        pytest.skip("the wait is PostgreSQL's lock_timeout there; the SQLite path is the one with a message to map")
    import sqlite3

    data = xlsx(tmp_path, ROWS).read_bytes()
    holder = sqlite3.connect(db.engine.url.database, timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        from sqlalchemy import event

        @event.listens_for(db.engine, "connect")
        def _short_wait(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA busy_timeout=200")

        db.engine.dispose()
        with pytest.raises(SpreadsheetError, match="另一个导入正在进行"):
            import_file(db.call, data, "in.xlsx", "t", region=REGION)
    finally:
        holder.rollback()
        holder.close()
    assert db.call(lambda s: s.exec(select(Unit)).all()) == []
