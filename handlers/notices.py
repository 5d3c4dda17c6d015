"""Deadlines in chat: /due, /remind, buttons on reminders, group subscriptions, broadcasts, the holiday
schedule. Permissions are checked on every update, button presses included."""
from __future__ import annotations

import datetime as dt
import secrets

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.runtime.jobs import replan
from bot.runtime.state import BotContext
from bot.ui import texts
from bot.ui.buttons import DEADLINE_DONE, DEADLINE_SNOOZE, DUE_LIST, OLD_SNOOZE
from handlers.basics import BotCommandInfo
from handlers.common import esc, keyboard, reply_html, user_role
from knowledge.when import parse_schedule, parse_when

COMMANDS = [
    BotCommandInfo("due", "查看已逾期和即将到期的事项", "/due"),
    BotCommandInfo("remind", texts.REMIND_HELP, "/remind 2026-12-01 09:00 报送清理情况"),
    BotCommandInfo("subscribe", "（群管理员）本群接收通知和提醒；可指定本群所属单位", "/subscribe 武定县财政局", private=False),
    BotCommandInfo("unsubscribe", "（群管理员）本群不再接收通知", "/unsubscribe", private=False),
    BotCommandInfo("digest", "（群管理员）每周清理进度汇总 开/关", "/digest on", private=False),
    BotCommandInfo("broadcast", "（管理员）向所有订阅群发通知", "/broadcast 请于本周五前报送清理情况", group=False),
    BotCommandInfo("holidays", "（管理员）录入下一年节假日安排", "/holidays 2027 休 2027-01-01 2027-02-10~2027-02-16 班 2027-02-07",
                   group=False),
]


def _now(context: BotContext) -> dt.datetime:
    return context.bot_data.clock()


def _tz(context: BotContext):
    return context.bot_data.settings.timezone


async def _is_group_admin(update: Update, context: BotContext) -> bool:
    if (await user_role(update, context)).admin:
        return True
    member = await context.bot.get_chat_member(update.effective_chat.id, update.effective_user.id)
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


# -- /due ---------------------------------------------------------------------------------------------------
DUE_PAGE = 10


async def due_command(update: Update, context: BotContext) -> None:
    text, markup = await _due_page(update, context, 0)
    await reply_html(update, text, markup)


async def _due_page(update: Update, context: BotContext, page: int):
    """What is overdue and what falls due next: for an admin (in private) across the registry; for a
    contact their own units'; in a group, the group's unit and the campaign steps. Ten a page."""
    from bot.db.models import Chat
    from bot.registry.access import role_of
    from bot.reporting import progress

    chat = update.effective_chat
    uid = update.effective_user.id if update.effective_user else None
    admins = context.bot_data.settings.bot_admin_ids
    today = _now(context).astimezone(_tz(context)).date()

    def read(session):
        if chat.type == ChatType.PRIVATE:
            found = role_of(session, uid, admins)
            everything, units = found.admin, list(found.units)
        else:
            row = session.get(Chat, chat.id)
            everything, units = False, [row.unit_id] if row and row.unit_id else []
        return everything, progress.agenda(session, today, unit_ids=units, everything=everything,
                                           offset=page * DUE_PAGE, limit=DUE_PAGE)

    everything, found = await context.bot_data.db.run(read)
    total = found.total_overdue + found.total_upcoming
    if not total:
        return "近期没有待办的期限。", None
    pages = -(-total // DUE_PAGE)
    scope = "全部单位" if everything else "本人/本群"
    blocks = [f"<b>待办期限</b>（{scope}：已逾期 {found.total_overdue} 项，即将到期 {found.total_upcoming} 项"
              + (f"，第 {page + 1}/{pages} 页" if pages > 1 else "") + "）"]
    if found.overdue:
        blocks.append("<b>已逾期</b>")
        blocks += [f"• ⚠️ {r.due.isoformat()}（逾期 {(today - r.due).days} 天） {esc(r.title[:200])}" for r in found.overdue]
    if found.upcoming:
        blocks.append("<b>即将到期</b>")
        for r in found.upcoming:
            flag = "（暂定）" if r.provisional else ""
            blocks.append(f"• {r.due.isoformat()}{flag}（{(r.due - today).days} 天后） {esc(r.title[:200])}")
    nav = []
    if page > 0:
        nav.append(("◀ 上一页", DUE_LIST.encode(page - 1)))
    if page + 1 < pages:
        nav.append(("下一页 ▶", DUE_LIST.encode(page + 1)))
    return "\n".join(blocks), keyboard([nav])


async def on_due_page(update: Update, context: BotContext) -> None:
    """du:<page>; the list is read again for the person pressing, so a button shows them only what /due would."""
    query = update.callback_query
    page = DUE_LIST.decode(query.data)
    if page is None:
        await query.answer(texts.INVALID_BUTTON, show_alert=True)
        return
    text, markup = await _due_page(update, context, page[0])
    await query.answer()
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest:
        await reply_html(update, text, markup)


# -- /remind ------------------------------------------------------------------------------------------------
async def remind_command(update: Update, context: BotContext) -> None:
    from bot.delivery import queue, receipts

    chat = update.effective_chat
    if chat.type != ChatType.PRIVATE and not await _is_group_admin(update, context):
        await reply_html(update, "在群里设置提醒需要群管理员权限。")
        return
    raw = (update.effective_message.text or "").split(maxsplit=1)
    try:
        when, text = parse_when(raw[1] if len(raw) > 1 else "", _now(context), _tz(context))
    except ValueError as exc:
        await reply_html(update, esc(exc))
        return
    uid = update.effective_user.id if update.effective_user else 0
    local = when.astimezone(_tz(context))
    answer = f"好的，将在 {local:%Y-%m-%d %H:%M} 提醒：{esc(text)}"
    # The same request again (a retry after 数据库暂时不可用, a re-delivered update) sets nothing new.
    key = receipts.request_key("remind", chat.id, uid, raw[1] if len(raw) > 1 else "")

    def schedule(session):
        earlier = receipts.first(session, key, _now(context))
        if earlier is not None:
            return earlier
        queue.schedule_oneoff(session, chat.id, text, when, uid)
        receipts.settle(session, key, answer)
        return answer

    try:
        answer = await context.bot_data.db.run(schedule)
    except queue.QuotaExceeded as exc:
        await reply_html(update, esc(exc))
        return
    await reply_html(update, answer)


# -- reminder buttons ---------------------------------------------------------------------------------------
async def on_button(update: Update, context: BotContext) -> None:
    from bot.db.models import Deadline
    from bot.deadlines import events
    from bot.registry.access import role_of

    query = update.callback_query
    done, snooze = DEADLINE_DONE.decode(query.data), DEADLINE_SNOOZE.decode(query.data)
    if not done and not snooze:
        spent = OLD_SNOOZE.decode(query.data) is not None
        await query.answer("这个按钮已失效，请使用最新提醒中的按钮。" if spent else texts.INVALID_BUTTON, show_alert=True)
        return
    action = "done" if done else "snooze"
    # A 推迟 button carries the due date it was sent for: pressed once, it is spent (a replay moves nothing).
    deadline_id, shown_due = (done[0], None) if done else snooze
    uid = query.from_user.id
    admins = context.bot_data.settings.bot_admin_ids
    actor = f"telegram:{uid}"

    def act(session):
        row = session.get(Deadline, deadline_id)
        if row is None:
            return "gone", None
        found = role_of(session, uid, admins)
        allowed = found.admin or (row.unit_id is not None and row.unit_id in found.units)
        if not allowed:
            return "forbidden", None
        if action == "done":
            return "ok", events.mark_done(session, deadline_id, actor, _now(context))
        row, moved = events.snooze_once(session, deadline_id, actor, shown_due)
        return ("ok" if moved else "spent"), row

    outcome, row = await context.bot_data.db.run(act)
    if outcome == "gone":
        await query.answer("该事项已不存在。", show_alert=True)
    elif outcome == "spent":
        state = "已完成" if row.status == "done" else f"期限现为 {row.due.isoformat()}"
        await query.answer(f"这个按钮已经用过了（{state}），没有再推迟。", show_alert=True)
    elif outcome == "forbidden":
        await query.answer("只有负责的联系人或管理员可以操作。", show_alert=True)
    else:
        await query.answer("已标记完成" if action == "done" else f"已推迟到 {row.due.isoformat()}")
        await replan(context.application)
        note = "✅ 已完成" if action == "done" else f"⏩ 已推迟到 {row.due.isoformat()}"
        await reply_html(update, f"{note}：{esc(row.title)}")


# -- groups and broadcasts ----------------------------------------------------------------------------------
async def _subscription(update: Update, context: BotContext, **changes: object) -> bool:
    from bot.delivery import chats

    chat = update.effective_chat
    if chat.type == ChatType.PRIVATE:
        await reply_html(update, "请在群里使用这个命令。")
        return False
    if not await _is_group_admin(update, context):
        await reply_html(update, "只有群管理员或机器人管理员可以设置。")
        return False
    await context.bot_data.db.run(lambda s: chats.remember_chat(s, chat.id, chat.title or "", chat.type, **changes))
    return True


async def subscribe_command(update: Update, context: BotContext) -> None:
    """/subscribe, or /subscribe 单位全称 to make this the unit's group: its contacts without a linked Telegram
    account are then reminded here, and overdue notices for the unit come here too."""
    from bot.registry.access import role_of
    from bot.registry.lookup import find_unit_id

    unit_name = " ".join(context.args or []).strip()
    changes: dict[str, object] = {"subscribed": True}
    if unit_name:
        uid = update.effective_user.id if update.effective_user else None
        admins = context.bot_data.settings.bot_admin_ids
        unit_id, found = await context.bot_data.db.run(lambda s: (find_unit_id(s, unit_name), role_of(s, uid, admins)))
        if unit_id is None:
            await reply_html(update, esc(texts.NO_SUCH_UNIT.format(name=unit_name[:100])) + "，请核对全称。")
            return
        if not (found.admin or unit_id in found.units):
            # Anyone can create a group and be its admin: binding it to a unit (its reminders, its deadlines in
            # /due) needs a bot administrator or a linked contact of that unit.
            await reply_html(update, "只有机器人管理员或该单位已绑定的联系人可以把本群设为该单位的工作群。")
            return
        changes["unit_id"] = unit_id
    if await _subscription(update, context, **changes):
        await replan(context.application)
        linked = f"，并作为“{esc(unit_name)}”的工作群接收该单位的提醒" if unit_name else ""
        await reply_html(update, f"本群已订阅：将收到广播通知和清理工作的期限提醒{linked}。")


async def unsubscribe_command(update: Update, context: BotContext) -> None:
    if await _subscription(update, context, subscribed=False, digest=False):
        await reply_html(update, "本群已取消订阅。")


async def digest_command(update: Update, context: BotContext) -> None:
    choice = (context.args or [""])[0].lower()
    if choice not in ("on", "off", "开", "关"):
        await reply_html(update, "用法：/digest on 或 /digest off")
        return
    on = choice in ("on", "开")
    if await _subscription(update, context, digest=on, **({"subscribed": True} if on else {})):
        await reply_html(update, _digest_on_text(context) if on else "已关闭每周汇总。")


def _digest_on_text(context: BotContext) -> str:
    day = "一二三四五六日"[context.bot_data.settings.digest_weekday - 1]
    return f"已开启每周汇总：每周{day}（遇节假日顺延到下一个工作日）发送清理进度和未来一周到期的事项；没有待办时不发。"


async def broadcast_command(update: Update, context: BotContext) -> None:
    from bot.delivery import queue, receipts

    if not (await user_role(update, context)).admin:
        await reply_html(update, "只有管理员可以广播。")
        return
    raw = (update.effective_message.text or "").split(maxsplit=1)
    text = raw[1].strip() if len(raw) > 1 else ""
    if not text or len(text) > 3500:
        await reply_html(update, "用法：/broadcast 通知内容（不超过 3500 字）")
        return
    tag = secrets.token_hex(8)
    # The same text from the same admin again within minutes (a retry after 数据库暂时不可用, a re-delivered
    # update) is the same broadcast: it is not queued twice.
    key = receipts.request_key("broadcast", update.effective_user.id, text)

    def queue_once(session):
        earlier = receipts.first(session, key, _now(context))
        if earlier is not None:
            return earlier + "（相同内容刚才已提交，没有重复发送。）"
        answer = f"已排入发送队列：{queue.broadcast(session, text, _now(context), tag)} 个订阅群。"
        receipts.settle(session, key, answer)
        return answer

    await reply_html(update, await context.bot_data.db.run(queue_once))


async def holidays_command(update: Update, context: BotContext) -> None:
    from bot.deadlines import calendar

    if not (await user_role(update, context)).admin:
        await reply_html(update, "只有管理员可以录入节假日安排。")
        return
    try:
        year, off, work = parse_schedule(context.args or [])
        await context.bot_data.db.run(lambda s: calendar.enter_schedule(s, year, off, work, f"telegram:{update.effective_user.id}"))
    except ValueError as exc:
        await reply_html(update, esc(exc))
        return
    await replan(context.application)
    await reply_html(update, texts.HOLIDAYS_ENTERED.format(year=year, off=len(off), work=len(work)) + "。此后的期限按此计算。")


async def on_migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup: Telegram says so in both chats (migrate_to_chat_id in the old,
    migrate_from_chat_id in the new). Its subscription, unit binding and queued messages move once."""
    from bot.delivery import chats

    message = update.effective_message
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    else:
        old, new = message.migrate_from_chat_id, message.chat_id
    await context.bot_data.db.run(lambda s: chats.migrate_chat(s, old, new))


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrated), group=-1)
    app.add_handler(CommandHandler("due", due_command))
    app.add_handler(CommandHandler("remind", remind_command))
    app.add_handler(CommandHandler("subscribe", subscribe_command))
    app.add_handler(CommandHandler("unsubscribe", unsubscribe_command))
    app.add_handler(CommandHandler("digest", digest_command))
    app.add_handler(CommandHandler("broadcast", broadcast_command))
    app.add_handler(CommandHandler("holidays", holidays_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^dl:"))  # DEADLINE_DONE, DEADLINE_SNOOZE
    app.add_handler(CallbackQueryHandler(on_due_page, pattern=DUE_LIST.pattern))
