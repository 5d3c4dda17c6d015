"""/apply and /applications through the fake Bot API: a full registration, a multi-domain cancellation, a
restart mid-conversation, a conversation left to time out, a forged button on someone else's application."""
from __future__ import annotations

import io
import json

from sqlmodel import select

from bot.config.settings import load_settings
from bot.db.models import Application, AuditLog, Deadline, Domain
from tests.support.env import TEST_TOKEN

ADMIN = 42
GUEST = 5001
CONTACT_LINE = "张三 办公室主任 0878-8711677 zs@example.cn"


def _count(fake_api, method: str = "sendMessage", chat: int = ADMIN) -> int:
    return sum(1 for c in fake_api.calls_to(method) if int(c.params.get("chat_id", 0)) == chat)


async def _say(fake_api, text: str, expect: str, user: int = ADMIN) -> str:
    """Send a message and wait for the bot's reply containing `expect` (fails on time-out)."""
    before = _count(fake_api, chat=user)
    fake_api.push_text(text, chat_id=user, user_id=user)
    return await _reply(fake_api, before, expect, user)


async def _press(fake_api, data: str, expect: str, user: int = ADMIN) -> str:
    before = _count(fake_api, chat=user)
    fake_api.push_callback(data, fake_api.make_message("x", chat_id=user, user_id=777000111), user_id=user)
    return await _reply(fake_api, before, expect, user)


async def _reply(fake_api, before: int, expect: str, user: int) -> str:
    def found(calls):
        texts = [c.params.get("text", "") for c in calls if c.method == "sendMessage" and int(c.params.get("chat_id", 0)) == user]
        return any(expect in t for t in texts[before:])

    assert await fake_api.until(found, timeout=15), f"no reply with {expect!r}; got {fake_api.sent_texts(user)[before:]}"
    return next(t for t in fake_api.sent_texts(user)[before:] if expect in t)


def _buttons(fake_api, user: int = ADMIN) -> list[str]:
    """The callback data of the last keyboard sent to `user`."""
    for call in reversed(fake_api.calls_to("sendMessage")):
        if int(call.params.get("chat_id", 0)) == user and "reply_markup" in call.params:
            markup = call.params["reply_markup"]
            markup = json.loads(markup) if isinstance(markup, str) else markup
            return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]
    return []


def _advance_button(fake_api, user: int = ADMIN) -> str:
    return next(b for b in _buttons(fake_api, user) if b.startswith("aq:adv:"))


async def _register_to_confirm(fake_api) -> None:
    await _say(fake_api, "/apply", "请选择申请的业务")
    await _press(fake_api, "ap:act:register", "申请单位全称")
    await _say(fake_api, "武定县人民政府", "请选择要注册的域名")
    assert "ap:dom:0" in _buttons(fake_api)
    await _say(fake_api, "wuding.gov.cn", "不能申请")  # the naming rules apply as the form is filled
    await _press(fake_api, "ap:dom:0", "注册年限")  # the compliant suggestion, offered first
    await _say(fake_api, "11", "最长 10 年")
    await _press(fake_api, "ap:yr:10", "域名联系人")
    await _say(fake_api, "张三 办公室主任", "缺少电话")


async def _submitted_registration(fake_api, db) -> int:
    await _register_to_confirm(fake_api)
    await _say(fake_api, CONTACT_LINE, "请核对后提交")
    await _press(fake_api, "ap:submit", "已登记申请")
    return db.call(lambda s: s.exec(select(Application.id)).one())


async def test_full_registration_produces_the_form_and_the_registry_follows(running_bot, fake_api):
    await _register_to_confirm(fake_api)
    await _say(fake_api, CONTACT_LINE, "请核对后提交")
    await _press(fake_api, "ap:back", "域名联系人")  # the back step asks again
    await _say(fake_api, CONTACT_LINE, "请核对后提交")
    await _press(fake_api, "ap:submit", "已登记申请")
    assert await fake_api.until(lambda calls: sum(c.method == "sendDocument" for c in calls) >= 2)
    docs = {c.params["_filename"].rsplit(".", 1)[1]: c.params["_file"] for c in fake_api.calls_to("sendDocument")}
    from docx import Document

    cells = {r.cells[0].text: r.cells[1].text for r in Document(io.BytesIO(docs["docx"])).tables[0].rows}
    assert cells["申请单位（全称，须与公章一致）"] == "武定县人民政府" and cells["域名"] == "www.wuding.gov.cn"
    assert cells["注册年限"] == "10 年" and cells["联系人电话"] == "0878-8711677"
    assert docs["xlsx"][:2] == b"PK"
    # The approval chain: four steps for a county portal; the admin advances each.
    await _say(fake_api, "/applications", "楚雄彝族自治州人民政府办公室")
    for _ in range(3):  # each step's button is the one sent with it
        await _press(fake_api, _advance_button(fake_api), "办理中，当前在")
    await _press(fake_api, _advance_button(fake_api), "审批完成")
    db = running_bot.bot_data.db
    domain = db.call(lambda s: s.exec(select(Domain).where(Domain.name == "www.wuding.gov.cn")).one())
    assert domain.status == "在用" and domain.expires_on.year - domain.registered_on.year == 10
    actors = db.call(lambda s: s.exec(select(AuditLog.actor).where(AuditLog.entity == "domain")).all())
    assert actors and all(a.startswith("申请") for a in actors)  # the application is the reason
    await _say(fake_api, "/applications", "没有办理中的申请")


def _seed_registry(db) -> None:
    from bot.registry.edits import ensure_unit, record_domain

    def seed(session):
        unit = ensure_unit(session, "武定县财政局", "test")
        portal = ensure_unit(session, "武定县人民政府", "test")
        record_domain(session, portal, "www.wuding.gov.cn", "test", "在用")
        record_domain(session, unit, "czj.wuding.gov.cn", "test", "在用")
        record_domain(session, unit, "www.wdczj.com", "test", "在用")
        record_domain(session, unit, "wdcz.wuding.gov.cn", "test", "闲置").icp_number = "滇ICP备12345号"

    db.call(seed)


async def test_multi_domain_cancellation_marks_them_cancelled_and_starts_filing_cancellations(running_bot, fake_api):
    db = running_bot.bot_data.db
    await running_bot.bot_data.warm_up
    _seed_registry(db)
    await _say(fake_api, "/apply", "请选择申请的业务")
    await _press(fake_api, "ap:act:cancel", "申请单位全称")
    await _say(fake_api, "武定县财政局", "要注销的域名")
    assert _buttons(fake_api)[:3] == ["ap:tog:0", "ap:tog:1", "ap:tog:2"]
    await _press(fake_api, "ap:tog:0", "要注销的域名")
    await _press(fake_api, "ap:tog:1", "要注销的域名")
    await _press(fake_api, "ap:done", "域名联系人")
    await _say(fake_api, CONTACT_LINE, "请核对后提交")
    await _press(fake_api, "ap:submit", "已登记申请")
    progress = await _say(fake_api, "/applications", "武定县人民政府办公室")
    assert "收回下级域名" in progress or "注册服务机构" in progress
    app_id = int(_advance_button(fake_api).split(":")[2])
    steps = len(db.call(lambda s: json.loads(s.get(Application, app_id).route)))
    for _ in range(steps - 1):
        await _press(fake_api, _advance_button(fake_api), "办理中")
    await _press(fake_api, _advance_button(fake_api), "审批完成")
    spec = db.call(lambda s: json.loads(s.get(Application, app_id).spec))
    assert sorted(spec["domains"]) == ["wdcz.wuding.gov.cn", "www.wdczj.com"]  # idle and non-compliant come first
    statuses = db.call(lambda s: {d.unicode: d.status for d in s.exec(select(Domain)).all()})
    assert [statuses[d] for d in spec["domains"]] == ["已注销", "已注销"]
    assert statuses["www.wuding.gov.cn"] == "在用"
    rules = db.call(lambda s: [d.rule for d in s.exec(select(Deadline)).all()])
    assert "filing_cancellation" in rules  # the domain with an ICP filing


async def _start_app(settings):
    from bot.runtime.app import build_application

    app = build_application(settings)
    await app.initialize()
    await app.post_init(app)
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    return app


async def _stop_app(app) -> None:
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def test_a_restart_in_the_middle_of_a_conversation_resumes_it(settings, fake_api):
    app = await _start_app(settings)
    try:
        await _say(fake_api, "/apply", "请选择申请的业务")
        await _press(fake_api, "ap:act:register", "申请单位全称")
        await _say(fake_api, "武定县人民政府", "请选择要注册的域名")
    finally:
        await _stop_app(app)
    app = await _start_app(settings)  # a new process: only the database remembers
    try:
        await _say(fake_api, "www.wuding.gov.cn", "注册年限")
        await _say(fake_api, "5", "域名联系人")
        await _say(fake_api, CONTACT_LINE, "请核对后提交")
    finally:
        await _stop_app(app)


async def test_an_abandoned_conversation_times_out(tmp_path, fake_api):
    settings = load_settings(telegram_bot_token=TEST_TOKEN, telegram_api_base_url=fake_api.base_url,
                             database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", bot_admin_ids=str(ADMIN),
                             application_timeout_minutes=0.03)  # about two seconds
    app = await _start_app(settings)
    try:
        await _say(fake_api, "/apply", "请选择申请的业务")
        await _press(fake_api, "ap:act:register", "申请单位全称")
        assert await fake_api.until(lambda calls: any("超时" in c.params.get("text", "") for c in calls), timeout=15)
        # the answer that comes too late is not taken as the unit name
        # (the first may still meet the conversation as it closes: then it is told the form has ended)
        first = await _say(fake_api, "武定县人民政府", "")
        assert "请选择要注册的域名" not in first
        answer = await _say(fake_api, "武定县人民政府", "www.wuding.gov.cn")  # the plain-text router's suggestion
        assert "请选择要注册的域名" not in answer
        assert not any("请选择要注册的域名" in t for t in fake_api.sent_texts(ADMIN))
        rows = app.bot_data.db.call(lambda s: s.exec(select(Application)).all())
        assert rows == []
    finally:
        await _stop_app(app)


async def test_a_forged_button_on_someone_elses_application_changes_nothing(running_bot, fake_api):
    db = running_bot.bot_data.db
    app_id = await _submitted_registration(fake_api, db)
    for data in (f"aq:adv:{app_id}:0", f"aq:rej:{app_id}", f"aq:att:{app_id}", "aq:adv:999:0", "aq:adv:x"):
        before = len(fake_api.calls_to("answerCallbackQuery"))
        fake_api.push_callback(data, fake_api.make_message("x", chat_id=GUEST, user_id=777000111), user_id=GUEST)
        assert await fake_api.until(lambda calls, n=before: sum(c.method == "answerCallbackQuery" for c in calls) > n)
        answer = fake_api.calls_to("answerCallbackQuery")[before]
        assert "管理员" in answer.params.get("text", "") or "无效" in answer.params.get("text", "") \
            or "没有这份申请" in answer.params.get("text", "")
    application = db.call(lambda s: s.get(Application, app_id))
    assert (application.step, application.status) == (0, "open")


def test_the_same_flow_works_in_the_console_chat(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'c.sqlite3'}")
    env.pop("TELEGRAM_BOT_TOKEN", None)
    lines = ["/apply", "1", "武定县人民政府", "1", "4", CONTACT_LINE, "1", "/applications"]  # numbers press buttons
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "chat"], input="\n".join(lines).encode() + b"\n",
                          env=env, cwd=tmp_path, capture_output=True, timeout=90)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    assert "注册年限：10 年" in out and "已登记申请" in out and "楚雄彝族自治州人民政府办公室" in out


async def test_returned_document_rejection_and_a_reminder_for_a_stalled_step(running_bot, fake_api):
    import datetime as dt

    from bot.applications.records import enqueue_stall_reminders
    from bot.db.models import ApplicationEvent, Delivery

    db = running_bot.bot_data.db
    app_id = await _submitted_registration(fake_api, db)
    await _press(fake_api, f"aq:att:{app_id}", "请发送上级返回的文件")
    before = _count(fake_api)
    fake_api.push_document("批复.pdf", b"%PDF-1.4", chat_id=ADMIN, user_id=ADMIN)
    await _reply(fake_api, before, "已保存回执", ADMIN)
    # A step held longer than the configured working days brings one reminder a day.
    now = dt.datetime.now(dt.UTC)
    assert db.call(lambda s: enqueue_stall_reminders(s, now, now.date() + dt.timedelta(days=3), 5, frozenset({ADMIN}))) == 0
    later = now.date() + dt.timedelta(days=14)
    assert db.call(lambda s: enqueue_stall_reminders(s, now, later, 5, frozenset({ADMIN}))) == 1
    assert db.call(lambda s: enqueue_stall_reminders(s, now, later, 5, frozenset({ADMIN}))) == 0
    assert "本地区主要负责人" in db.call(lambda s: s.exec(select(Delivery.text)).one())
    await _press(fake_api, f"aq:rej:{app_id}", "请输入退回原因")
    await _say(fake_api, "材料不全，请补充主要负责人签字", "已登记退回")
    application = db.call(lambda s: s.get(Application, app_id))
    kinds = db.call(lambda s: s.exec(select(ApplicationEvent.kind).where(ApplicationEvent.application_id == app_id)).all())
    assert application.status == "rejected" and kinds == ["created", "attached", "rejected"]


async def test_a_registration_that_replaces_an_old_domain_starts_its_notice(running_bot, fake_api):
    from bot.registry.edits import ensure_unit, record_domain

    db = running_bot.bot_data.db
    db.call(lambda s: record_domain(s, ensure_unit(s, "武定县人民政府", "test"), "wuding.gov.cn", "test", "在用"))
    await _say(fake_api, "/apply", "请选择申请的业务")
    await _press(fake_api, "ap:act:register", "申请单位全称")
    await _say(fake_api, "武定县人民政府", "请选择要注册的域名")
    await _press(fake_api, "ap:dom:0", "要替换哪些原域名")
    assert _buttons(fake_api)[0] == "ap:rep:0"
    await _press(fake_api, "ap:rep:0", "要替换哪些原域名")
    await _press(fake_api, "ap:done", "注册年限")
    await _press(fake_api, "ap:yr:5", "域名联系人")
    confirm = await _say(fake_api, CONTACT_LINE, "请核对后提交")
    assert "替换原域名（公告3个月后注销）：wuding.gov.cn" in confirm
    await _press(fake_api, "ap:submit", "已登记申请")
    app_id = db.call(lambda s: s.exec(select(Application.id)).one())
    for step in range(3):
        await _press(fake_api, f"aq:adv:{app_id}:{step}", "办理中")
    await _press(fake_api, f"aq:adv:{app_id}:3", "审批完成")
    statuses = db.call(lambda s: {d.name: d.status for d in s.exec(select(Domain)).all()})
    assert statuses == {"wuding.gov.cn": "公告中", "www.wuding.gov.cn": "在用"}
    assert db.call(lambda s: [d.rule for d in s.exec(select(Deadline)).all()]) == ["notice_period"]
