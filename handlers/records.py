"""The registry in chat: /status, /history, edits by admins, /invite deep links, /report, spreadsheet import.
Permissions are checked on every update, button presses included."""
from __future__ import annotations

import asyncio
import io
import json
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.config.settings import office_time
from bot.db.storage import Database
from bot.registry.sheets import SUFFIXES
from bot.runtime.state import BotContext
from bot.ui import texts
from bot.ui.buttons import PICK_STATUS, SET_PRIMARY, SET_STATUS, SHOW_UNIT
from bot.workers import import_registry, write_report
from handlers.basics import BotCommandInfo
from handlers.common import esc, keyboard, mentions_bot, parse_id, reply_html, send_file, split_html, user_role
from knowledge.domains import site_text
from knowledge.lifecycle import CONFIRM_WORD
from knowledge.monitoring import describe_event
from knowledge.registry_model import FIELD_LABELS, STATUSES, status_help
from knowledge.units import KIND_LABELS
from knowledge.when import parse_day

if TYPE_CHECKING:
    from bot.registry.access import Role
    from bot.registry.lookup import UnitView

COMMANDS = [
    BotCommandInfo("status", texts.STATUS_HELP, "/status wuding.gov.cn 或 /status 武定县财政局"),
    BotCommandInfo("history", "查看域名的修改记录", "/history www.wuding.gov.cn"),
    BotCommandInfo("setstatus", "（管理员）修改域名状态，可写发生日期和说明",
                   "/setstatus www.wdczj.cn 公告中 2019-02-25 已迁移至 czj.wuding.gov.cn"),
    BotCommandInfo("note", "（管理员）追加域名备注", "/note www.wuding.gov.cn 2026年改版"),
    BotCommandInfo("setcontact", "更换单位联系人（可写更换日期）",
                   "/setcontact 武定县财政局 张三 0878-8711677 zs@example.cn 2019-03-01"),
    BotCommandInfo("invite", "（管理员）生成联系人绑定链接", "/invite 武定县财政局", group=False),
    BotCommandInfo("report", "（管理员）清理情况报表", "/report"),
    BotCommandInfo("grant", "（管理员）授予管理员", "/grant 123456789", group=False),
]
GUEST_REPLY = ("您还没有登记为联系人，暂时不能查询登记册。请联系管理员为您的单位生成绑定链接（/invite 单位名称），"
               "点击链接即可完成登记。")
ADMIN_ONLY = "只有管理员可以这样做。"
HOME_ONLY = "这项由上级办公室的管理员办理。"
MAX_IMPORT_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download


def _db(context: BotContext) -> Database:
    return context.bot_data.db


def _admins(context: BotContext) -> frozenset[int]:
    return context.bot_data.settings.bot_admin_ids


def _actor(update: Update) -> str:
    return f"telegram:{update.effective_user.id}" if update.effective_user else "telegram:?"


def unit_blocks(view: UnitView, findings: dict | None = None) -> list[str]:
    unit = view.unit
    blocks = [f"<b>{esc(unit.name)}</b>（{esc(KIND_LABELS.get(unit.kind, unit.kind))}）"]
    if not view.domains:
        blocks.append("没有登记域名。")
    for d in view.domains:
        mark = "✅ 合规" if d.compliant else "❌ 不合规"
        due = f"，期限 {d.action.due.isoformat()}{'（暂按周末计算）' if d.action.provisional else ''}" if d.action.due else ""
        primary = "（主域名）" if d.domain.is_primary else ""
        kind = f"（{d.kind_label}）" if d.kind and d.kind != unit.kind else ""
        blocks.append(f"<code>{esc(site_text(d.domain))}</code>{primary}{esc(kind)} [{esc(d.domain.status)}] {mark}\n"
                      f"    下一步：{esc(d.action.action)}{esc(due)}"
                      + "".join(f"\n    🛡 监测：{esc(f.message)}（{esc(f.basis)}）" for f in (findings or {}).get(d.domain.name, [])))
    for c in view.contacts:
        linked = "（已绑定）" if c.telegram_id else ""
        blocks.append(f"联系人：{esc(c.name)} {esc(c.phone)} {esc(c.email)}{linked}")
    return blocks


async def _show(update: Update, context: BotContext, view: UnitView, admin: bool) -> None:
    from bot.monitoring.store import open_findings

    rows = []
    if admin:
        for d in view.domains[:6]:
            shown = (site_text(d.domain))[:30]
            row = [(f"改状态：{shown}", PICK_STATUS.encode(d.domain.id))]
            if not d.domain.is_primary and d.compliant:
                row.append(("设为主域名", SET_PRIMARY.encode(d.domain.id)))
            rows.append(row)
    names = [d.domain.name for d in view.domains]
    findings = await _db(context).run(lambda session: open_findings(session, names))
    await reply_html(update, unit_blocks(view, findings), keyboard(rows))


def _region(context: BotContext) -> str | None:
    settings = context.bot_data.settings
    return settings.bot_region if settings is not None else None


async def status_command(update: Update, context: BotContext) -> None:
    from bot.offices.service import role_region
    from bot.registry.access import role_of, views_for
    from bot.registry.lookup import RegistryError

    query = " ".join(context.args or []).strip()
    uid = update.effective_user.id if update.effective_user else None
    admins = _admins(context)

    def read(session):  # the role and the lookup in one database trip (measured: /status is the busiest command)
        found = role_of(session, uid, admins)
        try:
            region = role_region(session, found, _region(context))  # an office admin's: their office's
            return found, (views_for(session, found, query, region=region) if not found.guest and query else []), ""
        except RegistryError as exc:
            return found, [], str(exc)

    role, matches, refused = await _db(context).run(read)
    if role.guest:
        await reply_html(update, GUEST_REPLY)
        return
    if not query:
        await reply_html(update, "用法：/status 域名或单位名称\n例：<code>/status wuding.gov.cn</code>")
        return
    if refused:
        await reply_html(update, esc(refused))
    elif not matches:
        await reply_html(update, f"登记册中没有找到“{esc(query[:100])}”。")
    elif len(matches) == 1 or matches[0].score >= 99:
        await _show(update, context, matches[0], role.any_admin)
    else:
        rows = [[(m.unit.name[:60], SHOW_UNIT.encode(m.unit.id))] for m in matches]
        await reply_html(update, f"找到 {len(matches)} 个相近的单位，请选择：", keyboard(rows))


async def history_command(update: Update, context: BotContext) -> None:
    from bot.monitoring.store import events_for
    from bot.offices.service import office_names_of
    from bot.registry.access import domain_for, unit_for
    from bot.registry.lookup import RegistryError, history, unit_history, unit_names_of
    from bot.registry.region import home_region
    from knowledge.domains import ip_host, looks_like_domain

    role = await user_role(update, context)
    if role.guest:
        await reply_html(update, GUEST_REPLY)
        return
    name = " ".join(context.args or [])
    if not name:
        await reply_html(update, "用法：/history 域名 或 /history 单位名称（单位的联系人、域名变更都在内）")
        return
    region = await _reading_region(context, role)

    def read(session):
        # a contact: only their own units; an office admin: their offices' (another unit a change names, such as
        # the one a domain moved from, is named only when the reader may see it)
        if not looks_like_domain(name) and not ip_host(name):  # a unit: its contacts' and domains' changes too
            unit = unit_for(session, role, name, region=region)
            entries = unit_history(session, unit)
            return entries, [], unit_names_of(session, entries, role.scope), True, office_names_of(
                session, entries, home_region(session, _region(context)))
        domain = domain_for(session, role, name)
        entries = history(session, site_text(domain))
        return entries, events_for(session, domain.name), unit_names_of(session, entries, role.scope), False, {}

    try:
        entries, events, unit_names, by_unit, office_names = await _db(context).run(read)
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    if not entries and not events:
        await reply_html(update, "还没有修改记录。")
        return
    blocks = [f"<b>{esc(name)}</b> 的修改记录（最近 {len(entries)} 条，{OFFICE_CLOCK}）"] if entries else []
    for e in entries:
        what = f" {ENTITIES.get(e.entity, e.entity)} {e.summary}" if by_unit else ""  # a unit's trail names what changed
        blocks.append(f"{office_time(e.at):%Y-%m-%d %H:%M} {esc(e.actor)} {esc(ACTIONS.get(e.action, e.action))}{esc(what)}\n"
                      + esc(describe_change(e.before, e.after, unit_names, office_names)))
    if events:
        blocks.append(f"<b>{esc(name)}</b> 的监测记录（最近 {len(events)} 条）")
        blocks += [f"{office_time(e.at):%Y-%m-%d %H:%M} {esc(describe_event(e.kind, e.before, e.after))}" for e in events]
    await reply_html(update, blocks)


ACTIONS = {"create": "新建", "update": "修改", "delete": "删除", "keep": "导入时保留"}
ENTITIES = {"unit": "单位", "contact": "联系人", "domain": "域名"}
OFFICE_CLOCK = "本地时间"


def describe_change(before_json: str, after_json: str, unit_names: dict[int, str] | None = None,
                    office_names: dict[int | None, str] | None = None) -> str:
    """'状态：不规范 → 待注销' lines from the audit log's JSON snapshots; units by name, kinds in words."""
    before = json.loads(before_json) if before_json else {}
    after = json.loads(after_json) if after_json else {}
    lines = []
    for key in after or before:
        old, new = before.get(key), after.get(key)
        if old in (None, "") and not before_json and new in (None, "", False):
            continue  # a new row's empty fields say nothing
        label = FIELD_LABELS.get(key, key)
        if key == "office":  # a unit moved between offices: their titles (None: the home office)
            label, old, new = "所属办公室", (office_names or {}).get(old, old), (office_names or {}).get(new, new)
        elif key == "unit_id":
            old, new = (unit_names or {}).get(old, old), (unit_names or {}).get(new, new)
        elif key == "kind":
            old, new = KIND_LABELS.get(str(old), old), KIND_LABELS.get(str(new), new)
        lines.append(f"    {label}：{_show_value(old)} → {_show_value(new)}" if before_json else f"    {label}：{_show_value(new)}")
    return "\n".join(lines) or "    —"


def _show_value(value: object) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


async def _admin_role(update: Update, context: BotContext) -> Role | None:
    """The sender's role when they are an admin, of the home office or of an office under it (what they may act
    on is `role.scope`: every query the command makes takes it); None after telling them it is for admins."""
    role = await user_role(update, context)
    if not role.any_admin:
        await reply_html(update, ADMIN_ONLY)
        return None
    return role


async def _require_admin(update: Update, context: BotContext) -> bool:
    """The home office's admins only: what is the whole deployment's (its region, its IP database, its report
    until that is cut to an office). An office admin is told it is the level above's."""
    role = await user_role(update, context)
    if not role.admin:
        await reply_html(update, HOME_ONLY if role.any_admin else ADMIN_ONLY)
        return False
    return True


async def _reading_region(context: BotContext, role: Role) -> str | None:
    """The region the sender's names without a place are read in: an office admin's office's (教育局 typed in
    武定县's office is 武定县教育局), everyone else's the deployment's."""
    from bot.offices.service import role_region

    if role.admin or not role.offices:
        return _region(context)
    return await _db(context).run(lambda s: role_region(s, role, _region(context)))


def _date_arg(args: list[str]) -> tuple:
    """A leading date (2019-02-25, 2019年2月25日, 昨天 …) among the arguments: (date or None, the rest).
    ValueError, in Chinese, for a date that does not exist (2019-02-30): never read as note text."""
    if args:
        try:
            day = parse_day(args[0])
        except ValueError:
            raise ValueError(f"“{args[0][:30]}”不是有效日期，请写成 2019-02-25 这样的日期。没有做任何修改。") from None
        if day is not None:
            return day, args[1:]
    return None, args


async def _dated(update: Update, args: list[str]) -> tuple | None:
    """_date_arg, or None after telling the user the date is impossible."""
    try:
        return _date_arg(args)
    except ValueError as exc:
        await reply_html(update, esc(exc))
        return None


async def setstatus_command(update: Update, context: BotContext) -> None:
    from bot.registry.access import domain_for
    from bot.registry.edits import set_status

    if (role := await _admin_role(update, context)) is None:
        return
    args = context.args or []
    if len(args) < 2:
        await reply_html(update, "用法：/setstatus 域名 状态 [发生日期] [说明] [确认]\n"
                                 "例：<code>/setstatus www.wdczj.cn 公告中 2019-02-25 已迁移至 czj.wuding.gov.cn</code>\n"
                                 f"状态：{esc(status_help())}")
        return
    if (dated := await _dated(update, args[2:])) is None:
        return
    on, rest = dated
    confirmed = CONFIRM_WORD in rest
    note, author = " ".join(word for word in rest if word != CONFIRM_WORD)[:500], _author(update)
    await _edit(update, context, args[0], lambda s, actor: set_status(
        s, site_text(domain_for(s, role, args[0], admin_only=True)), actor, args[1], on, note, author, confirmed))


async def note_command(update: Update, context: BotContext) -> None:
    from bot.registry.access import domain_for
    from bot.registry.edits import add_note

    if (role := await _admin_role(update, context)) is None:
        return
    args = context.args or []
    if len(args) < 2:
        await reply_html(update, "用法：/note 域名 [日期] 备注内容（追加在原备注后，注明日期和填写人）")
        return
    if (dated := await _dated(update, args[1:])) is None:
        return
    on, rest = dated
    if not rest:
        await reply_html(update, "请写上备注内容。")
        return
    text, author = " ".join(rest)[:500], _author(update)
    await _edit(update, context, args[0], lambda s, actor: add_note(
        s, site_text(domain_for(s, role, args[0], admin_only=True)), actor, text, author, on))


def _author(update: Update) -> str:
    user = update.effective_user
    return (user.full_name or str(user.id))[:40] if user else "?"


async def _edit(update: Update, context: BotContext, name: str, change) -> None:
    from bot.registry.lookup import RegistryError

    actor = _actor(update)
    try:
        domain, before, after = await _db(context).run(lambda s: change(s, actor))
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    if not after:
        await reply_html(update, "没有变化。")
        return
    lines = [f"已更新 <code>{esc(site_text(domain))}</code>："]
    lines += [esc(f"{FIELD_LABELS.get(k, k)}：{_show_value(before[k])} → {_show_value(after[k])}") for k in after
              if k != "notes"]
    if "notes" in after:
        lines.append(esc(f"备注追加：{str(after['notes']).splitlines()[-1] if after['notes'] else ''}"))
    await reply_html(update, "\n".join(lines))


async def setcontact_command(update: Update, context: BotContext) -> None:
    from bot.registry.access import unit_for
    from bot.registry.edits import replace_contact
    from bot.registry.lookup import RegistryError

    role = await user_role(update, context)
    if role.guest:
        await reply_html(update, GUEST_REPLY)
        return
    args = context.args or []
    if (dated := await _dated(update, args[-1:])) is None:
        return
    on, args = (dated[0], args[:-1]) if dated[0] else (None, args)
    if len(args) < 3:
        await reply_html(update, "用法：/setcontact 单位名称 姓名 电话 [邮箱] [更换日期]\n"
                                 "新联系人替换原联系人；自更换之日起20个工作日内报备。")
        return
    unit_name, name, phone, email = args[0], args[1][:100], args[2][:50], (args[3][:200] if len(args) > 3 else "")
    actor = _actor(update)
    region = await _reading_region(context, role)

    def change(s):
        unit = unit_for(s, role, unit_name, region=region)  # a contact: only their own unit; an office: its units
        return replace_contact(s, unit.name, name, actor, phone, email, on,
                               allowed_units=None if role.any_admin else role.units)

    try:
        contact, replaced = await _db(context).run(change)
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    lines = [f"已登记联系人 {esc(contact.name)} {esc(contact.phone)} {esc(contact.email)}。"]
    if replaced:
        lines.append("原联系人 " + esc("、".join(r["name"] for r in replaced)) + " 已移除（修改记录中保留）。")
    lines.append("请在20个工作日内报备联系人变更（/due 查看期限）。")
    await reply_html(update, "\n".join(lines))


async def invite_command(update: Update, context: BotContext) -> None:
    from bot.db.models import Unit
    from bot.registry.access import create_invite
    from bot.registry.lookup import RegistryError

    if (role := await _admin_role(update, context)) is None:
        return
    unit_name = " ".join(context.args or []).strip()
    if not unit_name:
        await reply_html(update, "用法：/invite 单位全称")
        return
    actor, region = _actor(update), await _reading_region(context, role)
    try:
        invite, unit = await _db(context).run(lambda s: (lambda inv: (inv, s.get(Unit, inv.unit_id)))(
            create_invite(s, role, unit_name, actor, region=region)))
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    if not context.bot.username:  # a Bot API server that gave no username (bot/runtime/startup.complete_get_me)
        await reply_html(update, f"{esc(unit.name)} 的联系人绑定码（7天内有效，只能用一次）：请联系人在与机器人的私聊中发送\n"
                                 f"<code>/start {esc(invite.code)}</code>")
        return
    link = f"https://t.me/{context.bot.username}?start={invite.code}"
    await reply_html(update, f"{esc(unit.name)} 的联系人绑定链接（7天内有效，只能用一次）：\n{esc(link)}")


async def start_with_code(update: Update, context: BotContext) -> None:
    """/start <code>: a contact links their Telegram account to their unit."""
    from bot.registry.access import redeem_invite
    from bot.registry.lookup import RegistryError

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


async def grant_command(update: Update, context: BotContext) -> None:
    from bot.registry.access import grant_admin

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


async def report_command(update: Update, context: BotContext) -> None:
    role = await user_role(update, context)
    if not role.any_admin:  # an office's admin gets their office's report (its units and those below)
        await reply_html(update, "只有管理员可以这样做。")
        return
    with TemporaryDirectory() as tmp:
        settings = context.bot_data.settings
        today = context.bot_data.clock().astimezone(settings.timezone).date()
        path = Path(tmp) / f"政府网站域名清理情况_{today:%Y%m%d}.xlsx"  # the day of the report's title
        # In the worker process: the bot keeps answering while a large registry is written.
        summary = await write_report(_db(context), path, today, settings.bot_region,
                                     None if role.admin else role.office)
        await reply_html(update, esc(summary))
        await send_file(update, path, path.name)


async def on_document(update: Update, context: BotContext) -> None:
    from bot.registry.sheets import SpreadsheetError

    message = update.effective_message
    document = message.document
    name = document.file_name or "upload"
    if update.effective_chat.type != ChatType.PRIVATE and not mentions_bot(message, context.bot.username):
        return  # a file shared in a group is for the people there; an import must be addressed to the bot
    if Path(name).suffix.lower() not in SUFFIXES:
        if update.effective_chat.type == ChatType.PRIVATE:
            await reply_html(update, "只能导入 .xlsx、.xls 或 .csv 格式的登记表（表头需有“单位名称”和“域名”两列）。")
        return
    if (role := await _admin_role(update, context)) is None:  # an office admin: their office's sheet only
        return
    if document.file_size and document.file_size > MAX_IMPORT_BYTES:
        await reply_html(update, "文件超过 20 MB，请拆分后导入。")
        return
    status = await update.effective_chat.send_message("正在读取文件…")
    try:
        buffer = io.BytesIO()
        file = await document.get_file()
        await file.download_to_memory(buffer)
    except Exception:
        await status.edit_text("导入失败：无法下载文件，请重新发送。")
        raise
    loop = asyncio.get_running_loop()
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < 2:
            return  # edit at most every 2 s: Telegram limits edits too
        last[0] = now
        text = f"正在校验… 已读 {done} 行" if stage == "check" else f"正在写入… {done}/{total} 行"
        asyncio.run_coroutine_threadsafe(status.edit_text(text), loop)

    db = _db(context)
    configured = _region(context)
    try:
        from bot.offices.service import office_upload
        from bot.registry.region import home_region

        region, target = await db.run(lambda s: office_upload(s, role, home_region(s, configured)))
        report = await import_registry(db, buffer.getvalue(), name, _actor(update), False, progress, region, target)
    except SpreadsheetError as exc:  # plain text quoting the sheet (header cells such as <备注>): escaped
        await status.edit_text(split_html(f"导入失败：{esc(exc)}")[0])
        return
    except Exception:
        # Whatever else went wrong (the database, the download), the status message must not stay "正在读取文件…".
        await status.edit_text("导入失败：处理文件时出错，登记册没有改动。请稍后再试。")
        raise
    lines = [report.summary()]
    lines += [f"第{row}行 {reason}" for row, reason in report.errors[:50]]
    if report.error_count > 50:
        lines.append(f"……另有 {report.error_count - 50} 处错误，请先改正以上各行后重新导入。")
    await status.edit_text("导入完成。" if report.written and report.rows else "导入未完成。")
    await reply_html(update, [esc(line) for line in lines])


async def on_button(update: Update, context: BotContext) -> None:
    from bot.registry.access import domain_by_id, unit_by_id
    from bot.registry.edits import set_primary, set_status
    from bot.registry.lookup import RegistryError, view_unit

    query = update.callback_query
    data = query.data
    show, pick, status_set, primary = (SHOW_UNIT.decode(data), PICK_STATUS.decode(data), SET_STATUS.decode(data),
                                       SET_PRIMARY.decode(data))
    if not (show or pick or status_set or primary) or (status_set and status_set[1] >= len(STATUSES)):
        await query.answer(texts.INVALID_BUTTON, show_alert=True)
        return
    role = await user_role(update, context)  # read again on every press: a button outlives a role
    if show:
        def read(s):
            return view_unit(s, unit_by_id(s, role, show[0]))  # a forged id of another unit is refused

        try:
            view = await _db(context).run(read)
        except RegistryError as exc:
            await query.answer(str(exc)[:190], show_alert=True)
            return
        await query.answer()
        await _show(update, context, view, role.any_admin)
        return
    domain_id = (pick or primary or status_set)[0]
    try:
        domain = await _db(context).run(lambda s: domain_by_id(s, role, domain_id, admin_only=True))
    except RegistryError as exc:
        await query.answer(str(exc)[:190], show_alert=True)
        return
    await query.answer()
    if pick:
        rows = [[(s, SET_STATUS.encode(domain_id, i))] for i, s in enumerate(STATUSES)]
        await reply_html(update, "选择新的状态（按今天记；要写发生日期请用 /setstatus 域名 状态 日期）：", keyboard(rows))
    elif primary:
        actor = _actor(update)
        try:
            _, moved = await _db(context).run(lambda s: set_primary(s, site_text(domain), actor))
        except RegistryError as exc:
            await reply_html(update, esc(exc))
            return
        extra = texts.PRIMARY_MOVED.format(domains=esc("、".join(moved))) if moved else ""
        await reply_html(update, texts.PRIMARY_SET.format(domain=esc(site_text(domain)), moved=extra))
    else:
        status, author = STATUSES[status_set[1]], _author(update)
        await _edit(update, context, site_text(domain),
                    lambda s, actor: set_status(s, site_text(domain), actor, status, None, "", author))


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
    app.add_handler(CallbackQueryHandler(on_button, pattern="|".join(b.pattern for b in (SHOW_UNIT, PICK_STATUS, SET_STATUS, SET_PRIMARY))))
