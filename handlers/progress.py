"""Progress in chat for admins: /progress (all units, or /progress 教育局), the lists behind each figure, paged; at
an office with offices below it, a line and a button per office. A home admin sees the home office's progress, an
office's admin their office's. Permissions are checked on every update, button presses included."""
from __future__ import annotations

import datetime as dt

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.runtime.state import BotContext
from bot.ui import texts
from bot.ui.buttons import PROGRESS_OFFICE, PROGRESS_PAGE
from handlers.basics import BotCommandInfo
from handlers.common import esc, keyboard, recall, remember, reply_html, show_page, user_role

COMMANDS = [
    BotCommandInfo("progress", "（管理员）各单位清理进度", "/progress 或 /progress 教育局"),
]
PAGE = 15
URGENT = 5


def local_today(context: BotContext) -> dt.date:
    settings = context.bot_data.settings
    return context.bot_data.clock().astimezone(settings.timezone).date()


async def admin_payload(update: Update, context: BotContext, key: str, refused: str,
                        command: str) -> dict | None:
    """The payload an admin-only button carries, or None after telling the presser why not (not an admin,
    or the button outlived the bot's memory)."""
    query = update.callback_query
    if not (await user_role(update, context)).admin:
        await query.answer(refused, show_alert=True)
        return None
    payload = recall(context, key)
    if payload is None:
        await query.answer(f"按钮已过期，请重新发送 {command}。", show_alert=True)
    return payload


async def _progress_payload(update: Update, context: BotContext, key: str) -> dict | None:
    """The office and query a progress list button was made for, or None after telling the presser why not (not
    an admin of that office or of one above it, or the button outlived the bot's memory)."""
    query = update.callback_query
    role = await user_role(update, context)  # read again on every press: a button outlives a role
    if not role.any_admin:
        await query.answer("只有管理员可以查看。", show_alert=True)
        return None
    payload = recall(context, key)
    if payload is None:
        await query.answer("按钮已过期，请重新发送 /progress。", show_alert=True)
    elif not role.manages(payload.get("o")):
        await query.answer(NOT_YOURS, show_alert=True)
        return None
    return payload


NOT_YOURS = "只能查看本办公室及下级办公室的进度。"


def _region(context: BotContext) -> str:
    return context.bot_data.settings.bot_region


async def progress_command(update: Update, context: BotContext) -> None:
    role = await user_role(update, context)
    if not role.any_admin:
        await reply_html(update, "只有管理员可以查看全部单位的进度。联系人可用 /status 查询本单位。")
        return
    query = " ".join(context.args or []).strip()[:100]
    # a home admin sees the home office's progress; an office's admin their office's (and the offices below)
    await _show_progress(update, context, None if role.admin else role.office, query)


async def on_office(update: Update, context: BotContext) -> None:
    """po:<office id>: the progress of one office below, for an admin of it or of an office above it."""
    query = update.callback_query
    decoded = PROGRESS_OFFICE.decode(query.data)
    if decoded is None:
        await query.answer(texts.INVALID_BUTTON, show_alert=True)
        return
    role = await user_role(update, context)  # read again on every press: a button outlives a role
    if not role.any_admin:
        await query.answer("只有管理员可以查看。", show_alert=True)
        return
    if not role.manages(decoded[0]):
        await query.answer(NOT_YOURS, show_alert=True)
        return
    await query.answer()
    await _show_progress(update, context, decoded[0], "")


async def _show_progress(update: Update, context: BotContext, office_id: int | None, query: str) -> None:
    """The progress of the office `office_id` (None: home): its figures, its offices below (each a button to its
    own progress), monitoring, the most urgent items, and buttons for the lists behind the figures."""
    from bot.offices.service import office_title_by_id
    from bot.reporting.progress import (
        GROUP_LABELS,
        GROUPS,
        group_lines,
        monitoring_block,
        office_lines,
        registry_monitoring,
        registry_progress,
        summary_blocks,
        urgent_lines,
    )

    uid = update.effective_user.id if update.effective_user else None
    today = local_today(context)
    region = _region(context)

    def read(session):
        found = registry_progress(session, today, query, region, office_id)
        title = office_title_by_id(session, office_id) if office_id is not None else ""
        return found, title

    try:
        found, office_title = await context.bot_data.db.run(read)
    except LookupError:
        await reply_html(update, "这个办公室已不存在，请重新发送 /progress。")
        return
    if found is None:
        await reply_html(update, f"登记册中没有名称含“{esc(query)}”的单位。")
        return
    registry, names = found
    offices = office_lines(registry)
    if not registry.units and not offices:
        await reply_html(update, "登记册还是空的：先发送登记表（.xlsx 或 .csv）导入。")
        return
    heading = f"清理进度（{today.isoformat()}）"
    if query:
        heading = f"{query}：{heading}" if len(names) > 1 else f"{names[0]}：{heading}"
    elif office_title:
        heading = f"{office_title}：{heading}"
    blocks = summary_blocks(registry, heading)
    if offices:
        blocks.append("<b>各下级办公室</b>\n" + "\n".join(text for _, text in offices))
    if query and len(names) > 1:
        blocks.append("包括：" + esc("、".join(names[:10])) + (f" 等 {len(names)} 个单位" if len(names) > 10 else ""))
    standing = await context.bot_data.db.run(lambda s: registry_monitoring(s, registry, query, office_id))
    blocks.append(monitoring_block(standing))
    urgent = urgent_lines(registry, standing, today, URGENT)
    if urgent:
        blocks.append("<b>最紧急的事项</b>\n" + "\n".join(urgent))
    else:
        blocks.append("没有待办事项。")
    scope = remember(context, {"q": query, "o": office_id}, uid)
    counts = {g: len(group_lines(registry, g)) for g in GROUPS}
    rows = [[(f"{GROUP_LABELS[g]} {counts[g]}", PROGRESS_PAGE.encode(g, 0, scope)) for g in GROUPS[:2]],
            [(f"{GROUP_LABELS[g]} {counts[g]}", PROGRESS_PAGE.encode(g, 0, scope)) for g in GROUPS[2:]]]
    below = [(row.label, PROGRESS_OFFICE.encode(row.office_id)) for row in registry.by_office.rows
             if row.office_id is not None] if registry.by_office else []
    rows += [below[i:i + OFFICES_A_ROW] for i in range(0, min(len(below), MAX_OFFICE_BUTTONS), OFFICES_A_ROW)]
    await reply_html(update, blocks, keyboard(rows))


OFFICES_A_ROW = 3
MAX_OFFICE_BUTTONS = 90  # with the four list buttons, under Telegram's 100 (a province has 16 offices at level 2)


async def on_button(update: Update, context: BotContext) -> None:
    """pg:<group>:<page>:<scope>: the domains in one group, PAGE at a time (the message is edited to page)."""
    from bot.reporting.progress import GROUP_LABELS, GROUPS, group_lines, line_text, registry_progress

    query = update.callback_query
    decoded = PROGRESS_PAGE.decode(query.data)
    if decoded is None or decoded[0] not in GROUPS:
        await query.answer(texts.INVALID_BUTTON, show_alert=True)
        return
    group, asked_page, scope_key = decoded
    scope = await _progress_payload(update, context, scope_key)
    if scope is None:
        return
    today = local_today(context)
    region = _region(context)
    try:
        found = await context.bot_data.db.run(lambda s: registry_progress(s, today, scope["q"], region, scope.get("o")))
    except LookupError:
        found = None
    lines = group_lines(found[0], group) if found else []
    pages = max(1, -(-len(lines) // PAGE))
    page = min(asked_page, pages - 1)
    await query.answer()
    shown = lines[page * PAGE:(page + 1) * PAGE]
    title = f"<b>{esc(GROUP_LABELS[group])}：{len(lines)} 个域名</b>" + (f"（第 {page + 1}/{pages} 页）" if pages > 1 else "")
    text = "\n".join([title, *(line_text(line, today) for line in shown)] if shown else [title, "没有。"])
    nav = []
    if page > 0:
        nav.append(("◀ 上一页", PROGRESS_PAGE.encode(group, page - 1, scope_key)))
    if page + 1 < pages:
        nav.append(("下一页 ▶", PROGRESS_PAGE.encode(group, page + 1, scope_key)))
    await show_page(update, context, text, keyboard([nav]), GROUP_LABELS[group])


def register(app: Application) -> None:
    app.add_handler(CommandHandler("progress", progress_command, block=False))
    app.add_handler(CallbackQueryHandler(on_button, pattern=PROGRESS_PAGE.pattern))
    app.add_handler(CallbackQueryHandler(on_office, pattern=PROGRESS_OFFICE.pattern))
