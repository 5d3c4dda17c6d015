"""Policy Q&A: /ask, answers to plain questions (the direct answer, then the quoted sentences), related-clause
buttons, and /policy browsing."""
from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.runtime.state import BotContext
from bot.ui.buttons import CLAUSE, SECTION
from handlers.basics import BotCommandInfo
from handlers.common import asker_region, esc, keyboard, reply_html, user_role
from knowledge.policy import Clause, load_policy
from knowledge.reasoning import Lookup, domain_in

if TYPE_CHECKING:
    from knowledge.qa import Answer, Source


COMMANDS = [
    BotCommandInfo("ask", "政策问答", "/ask 联系人换了多久内报备"),
    BotCommandInfo("policy", "按章节浏览政策原文", "/policy"),
]

# /policy browsing: short keys for callback data → (label, predicate on clauses)
SECTION_GROUPS = {
    "wd": ("武政办函〔2019〕1号 县转发通知", lambda c: c.doc.startswith("武政办函")),
    "cx": ("楚政办函〔2019〕8号 州通知", lambda c: c.id.startswith("cx-")),
    "p0": ("方案 前言（依据）", lambda c: c.id.startswith("plan-") and c.section == "前言"),
    "p1": ("一、指导思想", lambda c: c.section.startswith("一")),
    "p2": ("二、清理范围及标准", lambda c: c.section.startswith("二")),
    "p3": ("三、注册、注销流程", lambda c: c.section.startswith("三")),
    "p4": ("四、方法步骤", lambda c: c.section.startswith("四")),
    "p5": ("五、有关要求", lambda c: c.section.startswith("五")),
}


def clause_block(clause: Clause | Source) -> str:
    return f"<blockquote>{esc(clause.text)}</blockquote>\n—— {esc(clause.citation)}"


def answer_blocks(answer: Answer) -> list[str]:
    """The direct answer first, then each quoted sentence with its citation (the same two pieces as the
    CLI's `answer` and `sources`)."""
    if not answer.sources:
        return [esc(answer.lead)]
    return [f"<b>{esc(answer.lead)}</b>", *(clause_block(source) for source in answer.sources)]


def related_keyboard(clauses: list[Clause]):
    return keyboard([[(f"相关：{c.title}", CLAUSE.encode(c.id))] for c in clauses[:3]])


async def registry_lookup(update: Update, context: BotContext | None, question: str) -> Lookup | None:
    """For an admin whose question names a registered domain, or a contact naming one of their units': the unit
    it is registered to, so the answer checks the domain against that unit. Others get the answer without the
    registry."""
    from bot.registry.access import views_for
    from bot.registry.lookup import RegistryError

    domain = domain_in(question)
    if domain is None or context is None or context.bot_data.db is None:
        return None
    role = await user_role(update, context)
    if role.guest:
        return None

    def read(session):
        try:  # a contact: their own units' domains only, like /status
            return views_for(session, role, domain)[:1]
        except RegistryError:
            return []

    views = await context.bot_data.db.run(read)
    if not views:
        return None
    found = (views[0].unit.name, views[0].unit.kind)
    return lambda _domain: found


async def reply_answer(update: Update, question: str, context: BotContext | None = None) -> None:
    # Under 1 ms of CPU (benchmarks/bench_knowledge.py): cheaper on the loop than a thread hop, which
    # would also wait for the GIL under load.
    from knowledge.qa import ask

    answer = ask(question, await registry_lookup(update, context, question), await asker_region(update, context))
    await reply_html(update, answer_blocks(answer), related_keyboard(answer.related))


async def ask_command(update: Update, context: BotContext) -> None:
    question = " ".join(context.args or [])
    if not question.strip():
        await reply_html(update, "用法：/ask 问题\n例：<code>/ask 联系人换了多久内报备</code>")
        return
    await reply_answer(update, question, context)


async def policy_command(update: Update, context: BotContext) -> None:
    rows = [[(label, SECTION.encode(key))] for key, (label, _) in SECTION_GROUPS.items()]
    await reply_html(update, "请选择要查看的文件或章节：", keyboard(rows))


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    clause_key, section_key = CLAUSE.decode(query.data), SECTION.decode(query.data)
    policy = load_policy()
    clause = policy.clause(clause_key[0]) if clause_key else None
    if clause:
        await query.answer()
        await reply_html(update, [f"<b>{esc(clause.title)}</b>", clause_block(clause)])
    elif section_key and section_key[0] in SECTION_GROUPS:
        await query.answer()
        label, wanted = SECTION_GROUPS[section_key[0]]
        blocks = [f"<b>{esc(label)}</b>"]
        for clause in policy.clauses:
            if wanted(clause):
                blocks += [f"<b>{esc(clause.section)} {esc(clause.title)}</b>", clause_block(clause)]
        await reply_html(update, blocks)
    else:
        await query.answer("按钮已失效，请重新提问。", show_alert=True)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("ask", ask_command))
    app.add_handler(CommandHandler("policy", policy_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=f"{CLAUSE.pattern}|{SECTION.pattern}"))
