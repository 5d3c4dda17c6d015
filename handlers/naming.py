"""Naming: /suggest and /check, plus the buttons for the unit kind, alternatives and the rule behind them."""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.runtime.state import BotContext
from bot.ui import texts
from bot.ui.buttons import ALTERNATIVES, CLAUSE, PICK_KIND
from handlers.basics import BotCommandInfo
from handlers.common import deployment_region, esc, keyboard, localized, recall, remember, reply_html, user_role
from knowledge.examples import note_text
from knowledge.naming import SYSTEMS, Suggestion, suggest
from knowledge.rules import RULE_CLAUSES, CheckResult, check
from knowledge.units import KIND_LABELS, parse_unit, qualify

if TYPE_CHECKING:
    from bot.registry.access import Role
    from bot.registry.lookup import UnitScope

# Pure functions of the message and the shipped tables: the same name or domain gets the same answer.
cached_suggest = lru_cache(maxsize=2048)(suggest)
cached_check = lru_cache(maxsize=2048)(check)

log = logging.getLogger(__name__)
COMMANDS = [
    BotCommandInfo("suggest", texts.SUGGEST_HELP, "/suggest 武定县人力资源和社会保障局"),
    BotCommandInfo("check", texts.CHECK_HELP, "/check wuding.gov.cn 武定县人民政府"),
]
ASK_KINDS = ("institution_admin", "institution_other", "department", "system")


async def _with_registry(context: BotContext, unit: str, kind: str | None, result: Suggestion,
                         scope: UnitScope | None = None) -> Suggestion:
    """Sit a department under the portal the registry knows for its place, and never offer a name another unit
    holds (the model's next spellings instead, with a note naming the holder only when the asker may see it:
    `scope`, None for a home admin)."""
    from bot.registry.lookup import registry_advice, registry_suggest
    from bot.registry.reads import RegistryReads

    db = context.bot_data.db
    if db is None or not (result.english or result.chinese):
        return result

    def advise(session):
        portal, _ = registry_advice(session, unit, [])
        if portal and result.kind in ("department", "institution_admin", "system", "township") and (
                not result.english or portal[4:] not in result.english[0].split("/")[0]):
            return registry_suggest(session, unit, kind or result.kind, portal, scope=scope)
        # Never offer a name another unit holds: the next ones the naming model gives instead.
        return registry_suggest(session, unit, kind or result.kind, advice=result, scope=scope)

    try:
        return await RegistryReads.of(db, "advice").read(db, (unit, kind, scope), advise)
    except Exception:
        log.exception("registry advice failed")
        return result


def suggestion_blocks(result: Suggestion, region: str = "") -> list[str]:
    kind = SYSTEMS[result.system][0] if result.system else KIND_LABELS.get(result.kind or "", "类型待定")
    blocks = [f"<b>{esc(result.unit)}</b>（{esc(kind)}）"]
    if result.english:
        blocks.append(f"推荐英文域名：<code>{esc(result.english[0])}</code>")
    if result.chinese:
        blocks.append(f"中文域名：<code>{esc(result.chinese[0])}</code>")
    for note in result.notes:
        blocks.append(f"注：{esc(note_text(note, region))}")
    return blocks


def check_blocks(result: CheckResult, region: str = "") -> list[str]:
    shown = result.domain.unicode or result.input
    if result.compliant:
        head = f"✅ <code>{esc(shown)}</code> 符合规范"
        if result.unit is None and not result.domain.is_chinese:
            head += "（未提供单位名称，只检查了结构；可用 /check 域名 单位全称 核对拼写）"
        blocks = [head]
    else:
        blocks = [f"❌ <code>{esc(shown[:200])}</code> 不符合规范"]
        blocks += [f"• {esc(p.message)}（依据：{esc(p.basis)}）" for p in result.problems]
        if result.expected:
            blocks.append(f"应使用：<code>{esc(result.expected[0])}</code>")
    blocks += [f"注：{esc(note_text(n, region))}" for n in result.notes]
    return blocks


async def in_region(context: BotContext, unit: str, role: Role | None = None) -> str:
    """教育局, 狮山镇: a name without a place is read as a unit of the office's region (one cached query); an
    office admin's, of their office's (教育局 in 禄丰市's office: 禄丰市教育局)."""
    from bot.offices.service import role_region
    from bot.registry.region import home_region, known_region

    db = context.bot_data.db
    if db is None or not unit or parse_unit(unit).place_full:
        return unit
    if role is not None and role.offices and not role.admin:
        try:
            return await db.run(lambda s: qualify(unit, home_region(s, role_region(s, role, None))))
        except Exception:
            log.exception("office region lookup failed")
            return unit
    configured = context.bot_data.settings.bot_region if context.bot_data.settings else None
    region = known_region(configured)
    if region is not None:
        return qualify(unit, region)
    try:
        return await db.run(lambda s: qualify(unit, home_region(s, configured)))
    except Exception:
        log.exception("region lookup failed")
        return unit


async def reply_suggest(update: Update, context: BotContext, unit: str, kind: str | None = None) -> None:
    role = await user_role(update, context) if context.bot_data.db is not None else None
    unit = await in_region(context, unit, role)
    result = cached_suggest(unit, kind)  # well under 1 ms: run on the loop (see handlers/policy.py)
    result = await _with_registry(context, unit, kind, result, role.scope if role is not None else None)
    user = update.effective_user
    region = await deployment_region(context) if result.notes else ""
    if result.needs_kind:
        key = remember(context, {"unit": unit}, user.id if user else None)
        rows = [[(KIND_LABELS[k], PICK_KIND.encode(key, k))] for k in ASK_KINDS]
        await reply_html(update, [*suggestion_blocks(result, region), "请选择该单位的类型："], keyboard(rows))
        return
    rows = []
    others = result.english[1:] + result.chinese[1:]
    if others:
        key = remember(context, {"others": others}, None)
        rows.append([(f"其他写法（{len(others)}）", ALTERNATIVES.encode(key))])
    rule = None if result.system else {"portal": "plan-2-1", "department": "plan-2-2", "institution_admin": "plan-2-3",
            "institution_other": "plan-2-3", "system": "plan-2-5-systems", "township": "plan-2-2"}.get(result.kind or "")
    if rule:
        rows.append([("规则依据", CLAUSE.encode(rule)), ("中文域名规则", CLAUSE.encode("plan-2-4"))])
    await reply_html(update, suggestion_blocks(result, region), keyboard(rows))


async def reply_check(update: Update, domain: str, unit: str | None = None,
                      context: BotContext | None = None) -> None:
    from bot.registry.lookup import registry_check_context

    kind = parent = None
    role = await user_role(update, context) if context is not None and context.bot_data.db is not None else None
    if not unit and role is not None and not role.guest:
        # A bare domain the registry holds is checked as the unit it is registered for (人社局, not a portal);
        # a guest gets the check of the name alone, not the registry's unit; a contact or an office admin, only
        # for a unit they may see (another office's unit is not named to them).
        from bot.registry.lookup import registry_holder
        from bot.registry.reads import RegistryReads

        db = context.bot_data.db
        scope = role.scope
        try:
            held = await RegistryReads.of(db, "holder").read(db, (domain, scope),
                                                             lambda s: registry_holder(s, domain, scope))
        except Exception:
            log.exception("registry holder for a check failed")
            held = None
        if held:
            unit, kind, parent = held
    elif unit and context is not None and context.bot_data.db is not None:
        # The unit as the registry knows it: its kind, and the portal registered for its place.
        unit = await in_region(context, unit, role)
        db = context.bot_data.db
        from bot.registry.reads import RegistryReads

        try:
            kind, parent = await RegistryReads.of(db, "check").read(db, unit, lambda s: registry_check_context(s, unit))
        except Exception:
            log.exception("registry context for a check failed")
    result = cached_check(domain, unit, kind, parent)  # well under 1 ms
    clause_ids = list(dict.fromkeys(RULE_CLAUSES[p.code] for p in result.problems if p.code in RULE_CLAUSES))
    rows = [[("查看依据原文", CLAUSE.encode(cid))] for cid in clause_ids[:2]]
    region = await deployment_region(context) if result.notes else ""
    await reply_html(update, check_blocks(result, region), keyboard(rows))


async def suggest_command(update: Update, context: BotContext) -> None:
    unit = " ".join(context.args or []).strip()
    if not unit:
        await reply_html(update, await localized(context, "用法：/suggest 单位全称\n"
                                                          "例：<code>/suggest 武定县人力资源和社会保障局</code>"))
        return
    await reply_suggest(update, context, unit)


async def check_command(update: Update, context: BotContext) -> None:
    args = context.args or []
    if not args:
        await reply_html(update, await localized(context, "用法：/check 域名或网址 [单位全称]\n"
                                                          "例：<code>/check wuding.gov.cn 武定县人民政府</code>"))
        return
    await reply_check(update, args[0], " ".join(args[1:]) or None, context)


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    kind_choice, others = PICK_KIND.decode(query.data), ALTERNATIVES.decode(query.data)
    decoded = kind_choice or others
    if decoded is None or (kind_choice and kind_choice[1] not in KIND_LABELS):
        await query.answer(texts.INVALID_BUTTON, show_alert=True)
        return
    pending = recall(context, decoded[0])
    if pending is None:
        await query.answer("按钮已过期，请重新发送。", show_alert=True)
        return
    owner = pending.get("owner")
    if owner is not None and query.from_user.id != owner:
        await query.answer("这个按钮只能由提问的人使用。", show_alert=True)
        return
    await query.answer()
    if kind_choice:
        await reply_suggest(update, context, pending["unit"], kind_choice[1])
    else:
        await reply_html(update, ["<b>其他合规写法</b>", *(f"<code>{esc(d)}</code>" for d in pending["others"])])


def register(app: Application) -> None:
    app.add_handler(CommandHandler("suggest", suggest_command))
    app.add_handler(CommandHandler("check", check_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"{PICK_KIND.pattern}|{ALTERNATIVES.pattern}"))
