"""/apply: a guided conversation that fills the 政府网站域名业务申请基本信息表 (persistent across restarts, with
/cancel, a timeout and a back step); /applications: where each application stands, with buttons to advance a
step, record a rejection, or attach the returned document. Permissions are checked on every update and button."""
from __future__ import annotations

import datetime as dt
import json
import warnings
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.applications.conversations import drop_draft, load_draft, save_draft
from bot.db.storage import Database
from bot.runtime.state import BotContext
from bot.ui.buttons import ADVANCE, APPLICATION, APPLY_ACTION, APPLY_PICK, APPLY_STEP
from handlers.basics import BotCommandInfo
from handlers.common import esc, is_private, keyboard, localized, message_text, reply_html, user_role
from knowledge.applications import (
    ACTIONS,
    MAX_DOMAINS,
    SpecError,
    check_contact,
    check_years,
    domain_problems,
    parse_contact_text,
    validate,
)
from knowledge.naming import NOTE_NO_PLACE
from knowledge.units import parse_unit

if TYPE_CHECKING:
    from bot.applications import records

COMMANDS = [
    BotCommandInfo("apply", "填写域名注册、注销、变更申请表", "/apply", group=False),
    BotCommandInfo("applications", "查看办理中的域名申请", "/applications"),
]
NAME, ACTION_NAME = "apply", "application_action"
ACTION, UNIT, DOMAINS, REPLACES, YEARS, CONTACT, REASON, CONFIRM = (
    "action", "unit", "domains", "replaces", "years", "contact", "reason", "confirm")
REJECT_REASON, ATTACH_DOC = "reject_reason", "attach_doc"
END = ConversationHandler.END
NAV = [("↩ 上一步", APPLY_STEP.encode("back")), ("✖ 取消", APPLY_STEP.encode("cancel"))]
GUEST = "只有已登记的单位联系人和管理员可以填写申请。请联系管理员为您的单位生成绑定链接（/invite 单位名称）。"


def _db(context: BotContext) -> Database:
    return context.bot_data.db


def _now(context: BotContext) -> dt.datetime:
    clock = context.bot_data.clock
    return clock() if clock else dt.datetime.now(dt.UTC)


def _timeout(context: BotContext) -> dt.timedelta:
    return dt.timedelta(minutes=context.bot_data.settings.application_timeout_minutes)


def _actor(update: Update) -> str:
    return f"telegram:{update.effective_user.id}" if update.effective_user else "telegram:?"


def _key(update: Update) -> tuple[int, int]:
    return update.effective_chat.id, update.effective_user.id


def _stay(state: str) -> None:
    """Set the conversation's state and keep the plain-text handlers from answering the same message."""
    raise ApplicationHandlerStop(state)


# -- the guided conversation -----------------------------------------------------------------------------------
async def _ask(update: Update, context: BotContext, state: str, data: dict, note: str = "") -> None:
    """Store where the conversation stands, then ask the question of `state`."""
    db = _db(context)
    chat, user = _key(update)
    now = _now(context)
    await db.run(lambda s: save_draft(s, NAME, chat, user, state, data, now))
    lead = f"{note}\n\n" if note else ""
    nav = [NAV] if data.get("history") else [[NAV[1]]]
    if state == ACTION:
        rows = [[(label, APPLY_ACTION.encode(code))] for code, label in ACTIONS.items()]
        await reply_html(update, lead + "请选择申请的业务：", keyboard(rows + nav))
    elif state == UNIT:
        names = data.get("own_units", [])
        rows = [[(name[:60], APPLY_PICK.encode("unit", i))] for i, name in enumerate(names[:6])]
        await reply_html(update, lead + "请输入申请单位全称（须与公章一致），或选择：", keyboard(rows + nav))
    elif state == DOMAINS:
        offered, chosen = data.get("offered", []), set(data.get("domains", []))
        if data["action"] == "cancel":
            rows = [[(("✅ " if d in chosen else "▫️ ") + d, APPLY_PICK.encode("tog", i))] for i, d in enumerate(offered[:12])]
            rows.append([("完成选择", APPLY_STEP.encode("done"))])
            text = ("请选择要注销的域名（可多选，选好后点“完成选择”），也可以直接输入域名，多个用逗号分隔。"
                    "不规范和闲置的域名排在前面。")
        elif data["action"] == "register":
            rows = [[(d, APPLY_PICK.encode("dom", i))] for i, d in enumerate(offered[:6])]
            text = "请选择要注册的域名（按规范推荐），或直接输入域名："
        else:
            rows = [[(d, APPLY_PICK.encode("dom", i))] for i, d in enumerate(offered[:8])]
            text = "请选择或输入要变更信息的域名："
        await reply_html(update, lead + esc(text), keyboard(rows + nav))
    elif state == REPLACES:
        chosen = set(data.get("replaces", []))
        rows = [[(("✅ " if d in chosen else "▫️ ") + d, APPLY_PICK.encode("rep", i))] for i, d in enumerate(data.get("old", [])[:12])]
        rows.append([("完成（不替换则直接点）", APPLY_STEP.encode("done"))])
        await reply_html(update, lead + "新域名启用后要替换哪些原域名？选中的原域名在审批完成后进入3个月公告期，期满注销"
                                        "（四（三））。", keyboard(rows + nav))
    elif state == YEARS:
        rows = [[(f"{n} 年", APPLY_PICK.encode("yr", n)) for n in (1, 3, 5, 10)]]
        await reply_html(update, lead + "请选择注册年限（1–10 年），或输入年数：", keyboard(rows + nav))
    elif state == CONTACT:
        await reply_html(update, lead + "请发送域名联系人（须为申请单位在职工作人员），一行写：姓名 职务 电话 邮箱\n"
                                        "例：<code>张三 办公室主任 0878-8711677 zs@example.cn</code>", keyboard(nav))
    elif state == REASON:
        await reply_html(update, lead + f"{esc(data.get('reason_why', ''))}。请输入原因：", keyboard(nav))
    elif state == CONFIRM:
        rows = [[("✅ 提交并生成申请表", APPLY_STEP.encode("submit"))], NAV]
        await reply_html(update, lead + summary(data), keyboard(rows))
    _stay(state)


def summary(data: dict) -> str:
    contact = data.get("contact") or {}
    lines = [f"<b>{esc(ACTIONS[data['action']])}申请</b>", f"申请单位：{esc(data['unit'])}",
             f"域名：{esc('、'.join(data.get('domains', [])))}"]
    if data.get("replaces"):
        lines.append(f"替换原域名（公告3个月后注销）：{esc('、'.join(data['replaces']))}")
    if data.get("years"):
        lines.append(f"注册年限：{data['years']} 年")
    lines.append("联系人：" + esc(" ".join(contact.get(k, "") for k in ("name", "post", "phone", "email"))))
    if data.get("reason"):
        lines.append(f"原因：{esc(data['reason'])}")
    return "\n".join(lines) + "\n\n请核对后提交。"


async def _forward(update: Update, context: BotContext, state: str, data: dict, note: str = "") -> None:
    data.setdefault("history", []).append(data.get("state", ACTION))
    data["state"] = state
    await _ask(update, context, state, data, note)


async def _draft(update: Update, context: BotContext) -> dict:
    """The stored answers; an expired or lost draft ends the conversation with a word to the user."""
    chat, user = _key(update)
    found = await _db(context).run(lambda s: load_draft(s, NAME, chat, user))
    if found is None or _now(context) - found[2] > _timeout(context):
        await _db(context).run(lambda s: drop_draft(s, NAME, chat, user))
        await reply_html(update, "申请填写已超时或已结束，请重新发送 /apply。")
        raise ApplicationHandlerStop(END)
    return found[1]


async def start(update: Update, context: BotContext) -> None:
    from bot.applications import records

    if not is_private(update):
        await reply_html(update, "请在与机器人的私聊中发送 /apply 填写申请。")
        raise ApplicationHandlerStop(END)
    role = await user_role(update, context)
    if role.guest:
        await reply_html(update, GUEST)
        raise ApplicationHandlerStop(END)
    units = await _db(context).run(lambda s: records.unit_names(s, role.units))
    data = {"state": ACTION, "history": [], "own_units": units, "admin": role.admin, "unit_ids": list(role.units)}
    await _ask(update, context, ACTION, data, "开始填写《政府网站域名业务申请基本信息表》。随时发送 /cancel 放弃。")


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    await query.answer()
    data = await _draft(update, context)
    pick, step, action = APPLY_PICK.decode(query.data), APPLY_STEP.decode(query.data), APPLY_ACTION.decode(query.data)
    if pick:
        verb, arg = pick
    else:
        verb, arg = (step[0], None) if step else ("act", action[0]) if action else ("", None)
    state = data.get("state", ACTION)
    if verb == "cancel":
        await cancel(update, context)
    if verb == "back":
        if data.get("history"):
            data["state"] = data["history"].pop()
        await _ask(update, context, data["state"], data)
    if state == ACTION and verb == "act" and arg in ACTIONS:
        data["action"] = arg
        await _forward(update, context, UNIT, data)
    if state == UNIT and verb == "unit" and arg < len(data.get("own_units", [])):
        await _chose_unit(update, context, data, data["own_units"][arg])
    if state == DOMAINS:
        offered = data.get("offered", [])
        if verb == "tog" and arg < len(offered):
            name = offered[arg]
            chosen = data.setdefault("domains", [])
            if name in chosen:
                chosen.remove(name)
            else:
                chosen.append(name)
            await _ask(update, context, DOMAINS, data)
        if verb == "done":
            await _domains_chosen(update, context, data, data.get("domains", []))
        if verb == "dom" and arg < len(offered):
            await _domains_chosen(update, context, data, [offered[arg]])
    if state == REPLACES:
        old = data.get("old", [])
        if verb == "rep" and arg < len(old):
            chosen = data.setdefault("replaces", [])
            if old[arg] in chosen:
                chosen.remove(old[arg])
            else:
                chosen.append(old[arg])
            await _ask(update, context, REPLACES, data)
        if verb == "done":
            await _forward(update, context, YEARS, data)
    if state == YEARS and verb == "yr":
        await _years_given(update, context, data, str(arg))
    if state == CONFIRM and verb == "submit":
        await _submit(update, context, data)
    await _ask(update, context, state, data, "请按当前问题作答。")


async def on_text(update: Update, context: BotContext) -> None:
    from bot.applications import records

    data = await _draft(update, context)
    text = message_text(update).strip()
    state = data.get("state", ACTION)
    if state == UNIT:
        await _unit_given(update, context, data, text)
    if state == DOMAINS:
        names = [w for w in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if w]
        await _domains_chosen(update, context, data, names[:MAX_DOMAINS])
    if state == YEARS:
        await _years_given(update, context, data, text)
    if state == CONTACT:
        contact, problems = check_contact(parse_contact_text(text))
        if problems:
            await _ask(update, context, CONTACT, data, "；".join(esc(p) for p in problems))
        data["contact"] = contact.to_json()
        why = await _db(context).run(lambda s: records.reason_needed(s, data["action"], data["unit"], data["domains"]))
        if why:
            data["reason_why"] = why
            await _forward(update, context, REASON, data)
        await _forward(update, context, CONFIRM, data)
    if state == REASON:
        if not text:
            await _ask(update, context, REASON, data, "原因不能为空。")
        data["reason"] = text[:300]
        await _forward(update, context, CONFIRM, data)
    await _ask(update, context, state, data, "请点击上面的按钮选择。")


async def _unit_given(update: Update, context: BotContext, data: dict, text: str) -> None:
    from bot.applications import records
    from bot.registry.access import unit_for, views_for
    from bot.registry.lookup import RegistryError

    if not text or len(text) > 80:
        await _ask(update, context, UNIT, data, "请输入单位全称（80 字以内）。")
    role = await user_role(update, context)
    configured = context.bot_data.settings.bot_region  # an office's admin means their own place (教育局: 武定县's)
    region = await _db(context).run(lambda s: records.reading_region(s, role, configured))
    if not role.admin:  # a contact: only their own units, by full name, short name or domain
        try:
            unit = await _db(context).run(lambda s: unit_for(s, role, text, region=region))
        except RegistryError as exc:
            await _ask(update, context, UNIT, data, esc(exc) + "请选择您的单位。")
        await _chose_unit(update, context, data, unit.name)
    matches = await _db(context).run(lambda s: [m.unit.name for m in views_for(s, role, text, region=region)])
    if text in matches or len(matches) == 1:
        await _chose_unit(update, context, data, text if text in matches else matches[0])
    if matches:
        data["own_units"] = list(dict.fromkeys([*matches, *data.get("own_units", [])]))[:6]
        await _ask(update, context, UNIT, data, f"找到相近的单位，请选择；如确是新单位，请输入完整全称后再发一次：{esc(text)}")
    if parse_unit(text).place_full == "":
        await _ask(update, context, UNIT, data, await localized(context, NOTE_NO_PLACE + "。"))
    await _chose_unit(update, context, data, text)


async def _chose_unit(update: Update, context: BotContext, data: dict, unit: str) -> None:
    from bot.applications import records
    from bot.registry.lookup import RegistryError

    role = await user_role(update, context)  # every way to a unit (typed, a button, a stored draft) ends here
    try:
        await _db(context).run(lambda s: records.check_may_apply(s, role, unit))
    except RegistryError as exc:
        await _ask(update, context, UNIT, data, esc(exc))
    data["unit"] = unit
    data["domains"] = []
    action = data["action"]
    if action == "register":
        from bot.registry.lookup import registry_suggest

        # Under the portal the registry knows, never a name another unit already holds.
        advice = await _db(context).run(lambda s: registry_suggest(s, unit, None, records.registry_context(s, unit).portal))
        data["kind"] = advice.kind
        data["offered"] = (advice.english[:2] + advice.chinese[:1]) if advice.kind else []
        note = "；".join(advice.notes)
    else:
        find = records.cancel_candidates if action == "cancel" else records.unit_domains
        data["offered"] = await _db(context).run(lambda s: find(s, unit))
        note = "" if data["offered"] else "登记册中没有这个单位的域名，请直接输入。"
    await _forward(update, context, DOMAINS, data, esc(note))


async def _domains_chosen(update: Update, context: BotContext, data: dict, names: list[str]) -> None:
    from bot.applications import records
    from bot.registry.lookup import RegistryError

    if not names:
        await _ask(update, context, DOMAINS, data, "请至少选择或输入一个域名。")
    if data["action"] == "register" and len(names) > 2:
        await _ask(update, context, DOMAINS, data, "一个政府网站原则上只注册一个中文域名和一个英文域名。")
    unit, action = data["unit"], data["action"]
    role = await user_role(update, context)
    try:  # the domains: a contact's own units' (or not registered), and none already in an open application
        await _db(context).run(lambda s: records.check_may_apply(s, role, unit, names))
    except RegistryError as exc:
        await _ask(update, context, DOMAINS, data, "不能申请：\n" + esc(exc))
    ctx = await _db(context).run(lambda s: records.registry_context(s, unit, names))
    problems = [p for name in names for p in domain_problems(action, name, unit, data.get("kind"), ctx)]
    if problems:
        await _ask(update, context, DOMAINS, data, "不能申请：\n" + "\n".join(esc(p) for p in problems))
    data["domains"] = names
    if action == "register":
        old = await _db(context).run(lambda s: records.cancel_candidates(s, unit, flagged_only=True))
        data["old"], data["replaces"] = [d for d in old if d not in names], []
        await _forward(update, context, REPLACES if data["old"] else YEARS, data)
    await _forward(update, context, CONTACT, data)


async def _years_given(update: Update, context: BotContext, data: dict, text: str) -> None:
    years, problem = check_years(text)
    if problem:
        await _ask(update, context, YEARS, data, esc(problem))
    data["years"] = years
    await _forward(update, context, CONTACT, data)


async def _submit(update: Update, context: BotContext, data: dict) -> None:
    from bot.applications import records
    from bot.applications.forms import docx_bytes, xlsx_bytes
    from bot.delivery import receipts
    from bot.registry.lookup import RegistryError

    raw = {k: data.get(k) for k in ("action", "unit", "domains", "years", "contact", "reason", "kind", "replaces")}
    db = _db(context)
    ctx = await db.run(lambda s: records.registry_context(s, data["unit"], data.get("domains", [])))
    try:
        spec = validate(raw, ctx)
    except SpecError as exc:
        await _ask(update, context, CONFIRM, data, "不能提交：\n" + "\n".join(esc(p) for p in exc.problems))
    actor, now = _actor(update), _now(context)
    role = await user_role(update, context)  # read again: the draft may be older than the role
    chat, user = _key(update)
    # Registered, and the draft dropped, in one transaction, once per request: a retry after 数据库暂时不可用
    # (or a re-delivered button) gets the application the first one registered, not a second.
    key = receipts.request_key("apply", user, json.dumps(spec.to_json(), ensure_ascii=False, sort_keys=True))

    def register(session):
        earlier = receipts.first(session, key, now)
        if earlier:
            return records.progress(session, int(earlier))
        created = records.create(session, spec, actor, role, now)
        receipts.settle(session, key, str(created.application.id))
        drop_draft(session, NAME, chat, user)
        return created

    try:
        progress = await db.run(register)
    except RegistryError as exc:
        await _ask(update, context, CONFIRM, data, "不能提交：\n" + esc(exc))
    number = progress.number
    await reply_html(update, [f"✅ 已登记申请 <b>{esc(number)}</b>。", route_text(progress),
                              "申请表已生成：请打印、由主要负责人签字并加盖公章后报送。"], _buttons(progress))
    for maker, suffix in ((docx_bytes, "docx"), (xlsx_bytes, "xlsx")):
        data_bytes = maker(spec, progress.steps, progress.application.basis, number, now.date())
        await update.effective_chat.send_document(data_bytes, filename=f"域名业务申请基本信息表-{number}.{suffix}")
    raise ApplicationHandlerStop(END)


async def _drop(update: Update, context: BotContext, name: str, text: str) -> None:
    """End conversation `name` for this chat and user: forget its answers and say so."""
    chat, user = _key(update)
    await _db(context).run(lambda s: drop_draft(s, name, chat, user))
    await reply_html(update, text)
    raise ApplicationHandlerStop(END)


async def cancel(update: Update, context: BotContext) -> None:
    await _drop(update, context, NAME, "已取消，填写的内容没有保存。需要时再发送 /apply。")


async def on_timeout(update: Update, context: BotContext) -> None:
    if update.effective_chat and update.effective_user:
        chat, user = _key(update)
        await _db(context).run(lambda s: drop_draft(s, NAME, chat, user))
        await context.bot.send_message(chat, "申请填写超时，已结束。需要时再发送 /apply。")


# -- the approval chain -------------------------------------------------------------------------------------------
def route_text(progress: records.Progress) -> str:
    a = progress.application
    lines = [f"<b>{esc(progress.number)}</b> {esc(a.unit_name)} · {esc(ACTIONS[progress.spec.action])} · "
             f"{esc('、'.join(progress.spec.domains))}"]
    for i, step in enumerate(progress.steps):
        mark = "✅" if i < a.step or a.status == "approved" else ("▶️" if i == a.step and a.status == "open" else "▫️")
        lines.append(f"{mark} {esc(step.holder)}：{esc(step.task)}")
    current = progress.current
    by = f"，由{esc(progress.recorder)}登记" if current and progress.recorder and progress.recorder != current.holder \
        and not (progress.holder and progress.holder.own_unit) else ""
    status = {"open": f"办理中，当前在 {esc(current.holder) if current else ''}{by}"
                      f"（{a.step_since:%Y-%m-%d} 起）", "approved": "已办结", "rejected": "已退回"}[a.status]
    lines.append(f"状态：{status}　依据：{esc(a.basis)}")
    for e in progress.events[-5:]:
        lines.append(f"· {e.at:%Y-%m-%d} {esc(e.note)}")
    return "\n".join(lines)


def _buttons(progress: records.Progress):
    """The buttons the person looking may use (each is checked again when pressed)."""
    if progress.application.status != "open":
        return None
    i = progress.application.id
    row = [("推进到下一步", ADVANCE.encode(i, progress.application.step))] if progress.may_record else []
    row += [("登记退回", APPLICATION.encode("rej", i))] if progress.may_reject else []
    return keyboard([row + [("上传回执", APPLICATION.encode("att", i))]])


async def applications_command(update: Update, context: BotContext) -> None:
    from bot.applications import records

    role = await user_role(update, context)
    if role.guest:
        await reply_html(update, GUEST)
        return
    found = await _db(context).run(lambda s: records.open_applications(s, role))
    if not found:
        await reply_html(update, "没有办理中的申请。发送 /apply 填写新申请。")
        return
    waiting = sum(p.waiting_here for p in found)
    here = f"，其中 {waiting} 份等待本办公室办理（排在前面）" if role.any_admin and waiting else ""
    await reply_html(update, f"办理中的申请 {len(found)} 份{here}：")
    for progress in found:
        await reply_html(update, route_text(progress), _buttons(progress))


def _application_id(update: Update) -> int | None:
    decoded = APPLICATION.decode(update.callback_query.data)
    return decoded[1] if decoded else None


async def on_advance(update: Update, context: BotContext) -> None:
    """推进到下一步: aq:adv:<application>:<step>; only that step is passed, once."""
    from bot.applications import records
    from bot.registry.lookup import RegistryError

    query = update.callback_query
    decoded = ADVANCE.decode(query.data)
    role = await user_role(update, context)
    actor, now = _actor(update), _now(context)
    try:
        if decoded is None:  # a forged button, or one sent before buttons named their step
            raise RegistryError("按钮无效或已过期，请用 /applications 查看最新进度。")
        app_id, step = decoded
        admins = context.bot_data.settings.bot_admin_ids
        progress = await _db(context).run(lambda s: records.advance(s, app_id, step, actor, role, now,
                                                                    home_admins=admins))
    except RegistryError as exc:
        await query.answer(str(exc)[:190], show_alert=True)
        return
    await query.answer("已推进")
    done = "🎉 审批完成，登记册已更新。" if progress.application.status == "approved" else ""
    await reply_html(update, [route_text(progress), done], _buttons(progress))


async def on_action_button(update: Update, context: BotContext) -> None:
    """登记退回 / 上传回执: checked now and again when the answer comes."""
    from bot.applications import records
    from bot.registry.lookup import RegistryError

    query = update.callback_query
    app_id = _application_id(update)
    role = await user_role(update, context)
    decoded = APPLICATION.decode(query.data)
    kind = decoded[0] if decoded else ""
    refusal = "只有管理员可以登记退回；回执可由管理员或本单位联系人上传。"
    if app_id is not None and kind == "rej" and role.any_admin:
        try:  # the office holding the current step records its rejection
            await _db(context).run(lambda s: records.check_may_reject(s, app_id, role))
            refusal = ""
        except RegistryError as exc:
            refusal = str(exc)
    elif app_id is not None and kind == "att" and await _db(context).run(lambda s: records.may_attach(s, app_id, role)):
        refusal = ""
    if refusal:
        await query.answer(refusal[:190], show_alert=True)
        raise ApplicationHandlerStop(END)
    await query.answer()
    chat, user = _key(update)
    state = REJECT_REASON if kind == "rej" else ATTACH_DOC
    now = _now(context)
    await _db(context).run(lambda s: save_draft(s, ACTION_NAME, chat, user, state, {"id": app_id}, now))
    ask = "请输入退回原因：" if kind == "rej" else "请发送上级返回的文件（批复、回执等）："
    await reply_html(update, ask + "（/cancel 放弃）")
    raise ApplicationHandlerStop(state)


async def _action_draft(update: Update, context: BotContext) -> int:
    chat, user = _key(update)
    found = await _db(context).run(lambda s: load_draft(s, ACTION_NAME, chat, user))
    await _db(context).run(lambda s: drop_draft(s, ACTION_NAME, chat, user))
    if found is None or _now(context) - found[2] > _timeout(context):
        await reply_html(update, "操作已超时，请重新点按钮。")
        raise ApplicationHandlerStop(END)
    return int(found[1]["id"])


async def on_reject_reason(update: Update, context: BotContext) -> None:
    from bot.applications import records
    from bot.registry.lookup import RegistryError

    app_id = await _action_draft(update, context)
    role, actor, now, reason = await user_role(update, context), _actor(update), _now(context), message_text(update)[:300]
    try:
        admins = context.bot_data.settings.bot_admin_ids
        progress = await _db(context).run(lambda s: records.reject(s, app_id, actor, role, now, reason, admins))
        await reply_html(update, ["已登记退回。", route_text(progress)])
    except RegistryError as exc:
        await reply_html(update, esc(exc))
    raise ApplicationHandlerStop(END)


async def on_document(update: Update, context: BotContext) -> None:
    from bot.applications import records
    from bot.registry.lookup import RegistryError

    app_id = await _action_draft(update, context)
    document = update.effective_message.document
    role, actor, now = await user_role(update, context), _actor(update), _now(context)
    try:
        progress = await _db(context).run(lambda s: records.attach(s, app_id, actor, role, now, document.file_id,
                                                                   document.file_name or "文件"))
        await reply_html(update, ["已保存回执。", route_text(progress)], _buttons(progress))
    except RegistryError as exc:
        await reply_html(update, esc(exc))
    raise ApplicationHandlerStop(END)


async def action_cancel(update: Update, context: BotContext) -> None:
    await _drop(update, context, ACTION_NAME, "已取消。")


async def _remind_tick(context: BotContext) -> None:
    from bot.applications import records

    settings = context.bot_data.settings
    now = _now(context)
    today = now.astimezone(settings.timezone).date()
    await _db(context).run(lambda s: records.enqueue_stall_reminders(
        s, now, today, settings.application_reminder_days, settings.bot_admin_ids))


def register(app: Application) -> None:
    timeout = app.bot_data.settings.application_timeout_minutes * 60
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():  # buttons belong to one chat and user: no per-message tracking wanted
        warnings.simplefilter("ignore", PTBUserWarning)
        apply, action = _conversations(text, timeout)
    app.add_handler(apply, group=-1)  # before the plain-text handlers: answers inside a conversation stop there
    app.add_handler(action, group=-1)
    app.add_handler(CommandHandler("applications", applications_command))
    app.add_handler(CallbackQueryHandler(on_advance, pattern=ADVANCE.pattern))
    if app.job_queue is not None:
        app.job_queue.run_repeating(_remind_tick, interval=3600, first=120, name="application-reminders")


def _conversations(text, timeout: float) -> tuple[ConversationHandler, ConversationHandler]:
    apply = ConversationHandler(
        entry_points=[CommandHandler("apply", start)],
        states={state: [CallbackQueryHandler(on_button, pattern=APPLY_STEP.pattern), MessageHandler(text, on_text)]
                for state in (ACTION, UNIT, DOMAINS, REPLACES, YEARS, CONTACT, REASON, CONFIRM)}
        | {ConversationHandler.TIMEOUT: [TypeHandler(Update, on_timeout)]},
        fallbacks=[CommandHandler("cancel", cancel)],
        name=NAME, persistent=True, conversation_timeout=timeout, allow_reentry=True)
    action = ConversationHandler(
        entry_points=[CallbackQueryHandler(on_action_button, pattern=r"^aq:(rej|att):")],  # APPLICATION
        states={REJECT_REASON: [MessageHandler(text, on_reject_reason)],
                ATTACH_DOC: [MessageHandler(filters.Document.ALL, on_document)]},
        fallbacks=[CommandHandler("cancel", action_cancel)],
        name=ACTION_NAME, persistent=True, conversation_timeout=timeout, allow_reentry=True)
    return apply, action
