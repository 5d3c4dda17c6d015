"""The registry in chat: /status, /history, edits by admins, /invite deep links, /report, spreadsheet import.
Permissions are checked on every update, button presses included."""
from __future__ import annotations

import asyncio
import io
import json
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.db.models import Domain, Unit
from bot.db.storage import Database
from bot.registry.access import create_invite, grant_admin, redeem_invite, role_of
from bot.registry.edits import set_domain_fields, upsert_contact
from bot.registry.lookup import RegistryError, UnitView, history, lookup, view_unit
from bot.registry.spreadsheet import SpreadsheetError
from bot.workers import import_registry, write_report
from handlers.basics import BotCommandInfo
from handlers.common import esc, keyboard, mentions_bot, parse_id, reply_html
from knowledge.actions import STATUSES
from knowledge.units import KIND_LABELS

COMMANDS = [
    BotCommandInfo("status", "查询域名或单位的登记情况", "/status wuding.gov.cn 或 /status 武定县财政局"),
    BotCommandInfo("history", "查看域名的修改记录", "/history www.wuding.gov.cn"),
    BotCommandInfo("setstatus", "（管理员）修改域名状态", "/setstatus www.wdczj.com 待注销 已迁移"),
    BotCommandInfo("note", "（管理员）修改域名备注", "/note www.wuding.gov.cn 2026年改版"),
    BotCommandInfo("setcontact", "修改单位联系人", "/setcontact 武定县财政局 张三 0878-8711677 zs@example.cn"),
    BotCommandInfo("invite", "（管理员）生成联系人绑定链接", "/invite 武定县财政局", group=False),
    BotCommandInfo("report", "（管理员）清理情况报表", "/report"),
    BotCommandInfo("grant", "（管理员）授予管理员", "/grant 123456789", group=False),
]
GUEST_REPLY = ("您还没有登记为联系人，暂时不能查询登记册。请联系管理员为您的单位生成绑定链接（/invite 单位名称），"
               "点击链接即可完成登记。")
MAX_IMPORT_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download


def _db(context: ContextTypes.DEFAULT_TYPE) -> Database:
    return context.bot_data["db"]


def _admins(context: ContextTypes.DEFAULT_TYPE) -> frozenset[int]:
    return context.bot_data["settings"].bot_admin_ids


async def role(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[str, list[int]]:
    """('admin' | 'contact' | 'guest', the units the user is a contact of), read fresh on every update."""
    user = update.effective_user
    uid = user.id if user else None
    admins = _admins(context)

    found = await _db(context).run(lambda session: role_of(session, uid, admins))
    return found.name, list(found.units)


def _actor(update: Update) -> str:
    return f"telegram:{update.effective_user.id}" if update.effective_user else "telegram:?"


def unit_blocks(view: UnitView) -> list[str]:
    unit = view.unit
    blocks = [f"<b>{esc(unit.name)}</b>（{esc(KIND_LABELS.get(unit.kind, unit.kind))}）"]
    if not view.domains:
        blocks.append("没有登记域名。")
    for d in view.domains:
        mark = "✅" if d.compliant else "❌"
        due = f"，期限 {d.action.due.isoformat()}{'（暂按周末计算）' if d.action.provisional else ''}" if d.action.due else ""
        primary = "（主域名）" if d.domain.is_primary else ""
        blocks.append(f"{mark} <code>{esc(d.domain.unicode or d.domain.name)}</code>{primary} [{esc(d.domain.status)}]\n"
                      f"    下一步：{esc(d.action.action)}{esc(due)}")
    for c in view.contacts:
        linked = "（已绑定）" if c.telegram_id else ""
        blocks.append(f"联系人：{esc(c.name)} {esc(c.phone)} {esc(c.email)}{linked}")
    return blocks


async def _show(update: Update, context: ContextTypes.DEFAULT_TYPE, view: UnitView, admin: bool) -> None:
    rows = [[(f"改状态：{(d.domain.unicode or d.domain.name)[:40]}", f"ss:{d.domain.id}")] for d in view.domains[:6]] if admin else []
    await reply_html(update, unit_blocks(view), keyboard(rows))


async def status_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = " ".join(context.args or []).strip()
    uid = update.effective_user.id if update.effective_user else None
    admins = _admins(context)

    def read(session):
        who = role_of(session, uid, admins).name
        return who, (lookup(session, query) if who != "guest" and query else [])

    who, matches = await _db(context).run(read)
    if who == "guest":
        await reply_html(update, GUEST_REPLY)
        return
    if not query:
        await reply_html(update, "用法：/status 域名或单位名称\n例：<code>/status wuding.gov.cn</code>")
        return
    if not matches:
        await reply_html(update, f"登记册中没有找到“{esc(query[:100])}”。")
    elif len(matches) == 1 or matches[0].score >= 99:
        await _show(update, context, matches[0], who == "admin")
    else:
        rows = [[(m.unit.name[:60], f"st:{m.unit.id}")] for m in matches]
        await reply_html(update, f"找到 {len(matches)} 个相近的单位，请选择：", keyboard(rows))


async def history_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who, units = await role(update, context)
    if who == "guest":
        await reply_html(update, GUEST_REPLY)
        return
    name = (context.args or [""])[0]
    if not name:
        await reply_html(update, "用法：/history 域名")
        return

    def read(session):
        entries = history(session, name)
        domain = session.get(Domain, entries[0].entity_id) if entries else None
        return entries, domain

    try:
        entries, domain = await _db(context).run(read)
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    if who != "admin" and (domain is None or domain.unit_id not in units):
        await reply_html(update, "只能查看本单位域名的修改记录。")
        return
    if not entries:
        await reply_html(update, "这个域名还没有修改记录。")
        return
    blocks = [f"<b>{esc(name)}</b> 的修改记录（最近 {len(entries)} 条）"]
    for e in entries:
        blocks.append(f"{e.at:%Y-%m-%d %H:%M} {esc(e.actor)} {esc(ACTIONS.get(e.action, e.action))}\n" + esc(describe_change(e.before, e.after)))
    await reply_html(update, blocks)


ACTIONS = {"create": "新建", "update": "修改"}
FIELD_LABELS = {"status": "状态", "notes": "备注", "changed_on": "状态变更日期", "is_primary": "主域名", "unit_id": "单位",
                "unicode": "域名", "registrar": "注册服务机构", "registered_on": "注册日期", "expires_on": "到期日期",
                "icp_number": "ICP备案号", "gov_site_mark": "党政机关网站标识", "psb_number": "公安备案号"}


def describe_change(before_json: str, after_json: str) -> str:
    """'状态：不规范 → 待注销' lines from the audit log's JSON snapshots."""
    before = json.loads(before_json) if before_json else {}
    after = json.loads(after_json) if after_json else {}
    lines = []
    for key in after or before:
        old, new = before.get(key), after.get(key)
        if old in (None, "") and not before_json and new in (None, "", False):
            continue  # a new row's empty fields say nothing
        label = FIELD_LABELS.get(key, key)
        lines.append(f"    {label}：{_show_value(old)} → {_show_value(new)}" if before_json else f"    {label}：{_show_value(new)}")
    return "\n".join(lines) or "    —"


def _show_value(value: object) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


async def _require_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    who, _ = await role(update, context)
    if who != "admin":
        await reply_html(update, "只有管理员可以这样做。")
        return False
    return True


async def setstatus_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await _require_admin(update, context):
        return
    args = context.args or []
    if len(args) < 2:
        await reply_html(update, f"用法：/setstatus 域名 状态 [备注]\n状态：{esc('、'.join(STATUSES))}")
        return
    changes: dict[str, object] = {"status": args[1]}
    if len(args) > 2:
        changes["notes"] = " ".join(args[2:])[:2000]
    await _edit(update, context, args[0], changes)


async def note_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await _require_admin(update, context):
        return
    args = context.args or []
    if len(args) < 2:
        await reply_html(update, "用法：/note 域名 备注内容")
        return
    await _edit(update, context, args[0], {"notes": " ".join(args[1:])[:2000]})


async def _edit(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str, changes: dict) -> None:
    actor = _actor(update)
    try:
        domain, before, after = await _db(context).run(lambda s: set_domain_fields(s, name, actor, **changes))
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    if not after:
        await reply_html(update, "没有变化。")
        return
    lines = [f"已更新 <code>{esc(domain.unicode or domain.name)}</code>："]
    lines += [esc(f"{FIELD_LABELS.get(k, k)}：{_show_value(before[k])} → {_show_value(after[k])}") for k in after]
    await reply_html(update, "\n".join(lines))


async def setcontact_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    who, units = await role(update, context)
    if who == "guest":
        await reply_html(update, GUEST_REPLY)
        return
    args = context.args or []
    if len(args) < 3:
        await reply_html(update, "用法：/setcontact 单位全称 姓名 电话 [邮箱]")
        return
    unit_name, name, phone, email = args[0], args[1][:100], args[2][:50], (args[3][:200] if len(args) > 3 else "")
    actor = _actor(update)

    try:
        contact = await _db(context).run(lambda s: upsert_contact(
            s, unit_name, name, actor, phone, email, allowed_units=None if who == "admin" else units))
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    await reply_html(update, f"已登记联系人 {esc(contact.name)} {esc(contact.phone)} {esc(contact.email)}。")


async def invite_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await _require_admin(update, context):
        return
    unit_name = " ".join(context.args or []).strip()
    if not unit_name:
        await reply_html(update, "用法：/invite 单位全称")
        return
    actor = _actor(update)
    try:
        invite, unit = await _db(context).run(
            lambda s: (lambda inv: (inv, s.get(Unit, inv.unit_id)))(create_invite(s, unit_name, actor)))
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    link = f"https://t.me/{context.bot.username}?start={invite.code}"
    await reply_html(update, f"{esc(unit.name)} 的联系人绑定链接（7天内有效，只能用一次）：\n{esc(link)}")


async def start_with_code(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start <code>: a contact links their Telegram account to their unit."""
    user = update.effective_user
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE or user is None:
        return
    code = (context.args or [""])[0]
    try:
        unit = await _db(context).run(lambda s: redeem_invite(s, code, user.id, user.full_name))
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    await reply_html(update, f"绑定成功：您已登记为<b>{esc(unit.name)}</b>的联系人，可以用 /status 查询本单位域名。")


async def grant_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None or user.id not in _admins(context):
        await reply_html(update, "只有配置文件中的管理员（BOT_ADMIN_IDS）可以授予管理员。")
        return
    arg = (context.args or [""])[0]
    user_id = parse_id(arg)
    if user_id is None or user_id == 0:
        await reply_html(update, "用法：/grant Telegram用户ID（数字，例如 123456789）")
        return
    await _db(context).run(lambda s: grant_admin(s, user_id, _actor(update)))
    await reply_html(update, f"已授予 {esc(arg)} 管理员权限。")


async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await _require_admin(update, context):
        return
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / f"域名清理情况_{time.strftime('%Y%m%d')}.xlsx"
        summary = await write_report(_db(context), path)  # in the worker process: the bot keeps answering
        await reply_html(update, esc(summary))
        await update.effective_chat.send_document(document=path.read_bytes(), filename=path.name)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    document = message.document
    name = document.file_name or "upload"
    if update.effective_chat.type != ChatType.PRIVATE and not mentions_bot(message, context.bot.username):
        return  # a file shared in a group is for the people there; an import must be addressed to the bot
    if Path(name).suffix.lower() not in (".xlsx", ".csv"):
        if update.effective_chat.type == ChatType.PRIVATE:
            await reply_html(update, "只能导入 .xlsx 或 .csv 格式的登记表。可用 domainbot template 生成模板。")
        return
    if not await _require_admin(update, context):
        return
    if document.file_size and document.file_size > MAX_IMPORT_BYTES:
        await reply_html(update, "文件超过 20 MB，请拆分后导入。")
        return
    status = await update.effective_chat.send_message("正在读取文件…")
    buffer = io.BytesIO()
    file = await document.get_file()
    await file.download_to_memory(buffer)
    loop = asyncio.get_running_loop()
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < 2:
            return  # edit at most every 2 s: Telegram limits edits too
        last[0] = now
        text = f"正在校验… 已读 {done} 行" if stage == "check" else f"正在写入… {done}/{total} 行"
        asyncio.run_coroutine_threadsafe(status.edit_text(text), loop)

    try:
        report = await import_registry(_db(context), buffer.getvalue(), name, _actor(update), False, progress)
    except SpreadsheetError as exc:
        await status.edit_text(f"导入失败：{exc}")
        return
    lines = [report.summary()]
    lines += [f"第{row}行：{reason}" for row, reason in report.errors[:30]]
    if len(report.errors) > 30:
        lines.append(f"……另有 {len(report.errors) - 30} 行有误")
    await status.edit_text("导入完成。" if report.written else "导入未完成。")
    await reply_html(update, [esc(line) for line in lines])


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    action, _, rest = (query.data or "").partition(":")
    who, units = await role(update, context)
    if action == "st":
        if who == "guest":
            await query.answer("您还没有登记为联系人。", show_alert=True)
            return
        unit_id = parse_id(rest)
        if unit_id is None:
            await query.answer("按钮无效。", show_alert=True)
            return
        view = await _db(context).run(lambda s: (u := s.get(Unit, unit_id)) and view_unit(s, u))
        if not view:
            await query.answer("该单位已不存在。", show_alert=True)
            return
        await query.answer()
        await _show(update, context, view, who == "admin")
        return
    if who != "admin":
        await query.answer("只有管理员可以修改。", show_alert=True)
        return
    if action == "ss" and parse_id(rest) is not None:
        await query.answer()
        rows = [[(s, f"sv:{rest}:{i}")] for i, s in enumerate(STATUSES)]
        await reply_html(update, "选择新的状态：", keyboard(rows))
    elif action == "sv":
        domain_id, _, index = rest.partition(":")
        row_id, choice = parse_id(domain_id), parse_id(index)
        if row_id is None or choice is None or choice >= len(STATUSES):
            await query.answer("按钮无效。", show_alert=True)
            return
        domain = await _db(context).run(lambda s: s.get(Domain, row_id))
        if domain is None:
            await query.answer("该域名已不存在。", show_alert=True)
            return
        await query.answer()
        await _edit(update, context, domain.name, {"status": STATUSES[choice]})
    else:
        await query.answer("按钮无效。", show_alert=True)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start_with_code, has_args=True))
    app.add_handler(CommandHandler("status", status_command))
    app.add_handler(CommandHandler("history", history_command))
    app.add_handler(CommandHandler("setstatus", setstatus_command))
    app.add_handler(CommandHandler("note", note_command))
    app.add_handler(CommandHandler("setcontact", setcontact_command))
    app.add_handler(CommandHandler("invite", invite_command))
    app.add_handler(CommandHandler("grant", grant_command))
    # An import or a report of a large registry takes seconds: they run without holding up other chats.
    app.add_handler(CommandHandler("report", report_command, block=False))
    app.add_handler(MessageHandler(filters.Document.ALL & filters.UpdateType.MESSAGE, on_document, block=False))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^(st|ss|sv):"))
