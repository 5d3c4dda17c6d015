"""/monitor DOMAIN: one health check in chat (plan 五（三）（四）). The check runs off the update path: the handler
answers at once and a task sends the result, so a resolver that never answers never holds up the bot's replies."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.registry.access import role_of
from handlers.basics import BotCommandInfo
from handlers.common import esc, reply_html
from knowledge.monitoring import FINDINGS, NO_RESOLVER, region_label, validate_target

log = logging.getLogger(__name__)
COMMANDS = [BotCommandInfo("monitor", "域名安全监测（解析、境内外、证书、冒名注册）", "/monitor www.wuding.gov.cn")]
MAX_RUNNING = 8  # checks by hand at a time, across all chats


def result_blocks(result: dict) -> list[str]:
    blocks = [f"<b>{esc(result['domain'])}</b> 监测结果"]
    if result["ns"]:
        blocks.append("解析服务器：" + "；".join(f"{esc(n['host'])}（{esc(n['provider'])}，{esc(region_label(n['country'].split(',')[0]))}）"
                                           for n in result["ns"]))
    if result["addresses"]:
        blocks.append("地址：" + "；".join(f"{esc(a['ip'])}（{esc(region_label(a['country']))}{'，' + esc(a['cdn']) if a['cdn'] else ''}）"
                                        for a in result["addresses"]))
    https = result["https"]
    if https.get("ok") is not None:
        expiry = f"，证书到期 {esc(https['expires'])}" if https.get("expires") else ""
        blocks.append(f"HTTPS：{'可访问' if https['ok'] else '不可访问'}{expiry}")
    if result["lookalikes"]:
        blocks.append("疑似冒名注册：" + "、".join(esc(x["domain"]) for x in result["lookalikes"][:20]))
    if not result["findings"]:
        blocks.append("✅ 未发现问题。")
    for f in result["findings"]:
        blocks.append(f"⚠️ {esc(f['message'])}\n    依据：{esc(f['basis'])}；{esc(FINDINGS[f['code']].todo)}")
    return blocks


async def monitor_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    settings = context.bot_data["settings"]
    db = context.bot_data["db"]
    uid = update.effective_user.id if update.effective_user else None
    found = await db.run(lambda s: role_of(s, uid, settings.bot_admin_ids))
    if found.name == "guest":
        await reply_html(update, "域名监测仅供已登记的联系人和管理员使用。请联系管理员为您的单位生成绑定链接。")
        return
    name, error = validate_target(" ".join(context.args or []))
    if error:
        await reply_html(update, esc(error) + "\n用法：<code>/monitor www.wuding.gov.cn</code>")
        return
    running: set = context.bot_data.setdefault("monitor_running", set())
    if len(running) >= MAX_RUNNING:
        await reply_html(update, "正在进行的检查较多，请稍后再试。")
        return
    await reply_html(update, f"正在检查 <code>{esc(name)}</code>，结果稍后发送……")

    async def work() -> None:
        from bot.monitoring.probe import ResolverUnavailable
        from bot.monitoring.service import check_now  # dnspython is loaded on the first check, not at start

        try:
            check = await check_now(db, settings, name, clock=context.bot_data.get("clock"))
            await reply_html(update, result_blocks(check.to_json()))
        except ResolverUnavailable:
            await reply_html(update, esc(NO_RESOLVER))
        except Exception:
            log.exception("monitor check failed")
            await reply_html(update, "检查时出错了，请稍后再试。")
        finally:
            running.discard(task)

    task = context.application.create_task(work(), name=f"monitor:{name}")
    running.add(task)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("monitor", monitor_command))
