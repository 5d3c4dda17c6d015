"""/monitor DOMAIN: one health check in chat (plan 五（三）（四）). The check runs off the update path: the handler
answers at once and a task sends the result, so a resolver that never answers never holds up the bot's replies."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.runtime.state import BotContext
from handlers.basics import BotCommandInfo
from handlers.common import deployment_region, esc, reply_html, user_role
from knowledge.examples import localize
from knowledge.monitoring import EXAMPLE_DOMAIN, NO_RESOLVER, readable, region_label, todo_text, validate_target
from knowledge.offices import plan_office_words

log = logging.getLogger(__name__)
COMMANDS = [BotCommandInfo("monitor", "域名安全监测（解析、境内外、证书、冒名注册）", "/monitor www.wuding.gov.cn"),
            BotCommandInfo("geoip", "（管理员）查看或更新 IP 归属地数据库", "/geoip 或 /geoip update")]
GEOIP_TIMEOUT = 300  # seconds a download may take before the admin is told how to do it by hand
HOW_BY_HAND = ("可在能联网的电脑上运行 <code>domainbot monitor-geoip --update</code>，把下载的文件复制到服务器，"
               "设置 MONITOR_GEOIP_FILE=文件路径 后重启机器人。")
MAX_RUNNING = 8  # checks by hand at a time, across all chats


def result_blocks(result: dict, region: str = "") -> list[str]:
    """A check's result; what to do names the deployment's office (`region`'s plan office) where it is one."""
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
        blocks.append("疑似冒名注册：" + "、".join(esc(readable(x["domain"])) for x in result["lookalikes"][:20]))
    if result.get("unknown"):
        blocks.append(f"❔ 本次没有得出结论：{esc(result['unknown'])}。没有记录任何问题，请稍后再试。")
    elif not result["findings"]:
        blocks.append("✅ 未发现问题。")
    office = plan_office_words(region) if result["findings"] else ""
    for f in result["findings"]:
        blocks.append(f"⚠️ {esc(f['message'])}\n    依据：{esc(f['basis'])}；{esc(todo_text(f['code'], office))}")
    return blocks


async def monitor_command(update: Update, context: BotContext) -> None:
    from bot.registry.access import domain_for
    from bot.registry.lookup import RegistryError

    settings = context.bot_data.settings
    db = context.bot_data.db
    role = await user_role(update, context)
    if role.guest:
        await reply_html(update, "域名监测仅供已登记的联系人和管理员使用。请联系管理员为您的单位生成绑定链接。")
        return
    region = await deployment_region(context)
    example = localize(EXAMPLE_DOMAIN, region)
    name, error = validate_target(" ".join(context.args or []), example)
    if error:
        await reply_html(update, esc(error) + f"\n用法：<code>/monitor {esc(example)}</code>")
        return
    if not role.admin:  # a check records a target and may alert the unit: a contact checks their own units'
        try:           # domains only, an office admin their offices' (only the home office's admins check any name)
            await db.run(lambda s: domain_for(s, role, name))
        except RegistryError as exc:
            whose = "本办公室及下级单位" if role.any_admin else "本单位"
            await reply_html(update, esc(exc) + f"（只能检查{whose}登记的域名。）")
            return
    running: set = context.bot_data.monitor_running
    if len(running) >= MAX_RUNNING:
        await reply_html(update, "正在进行的检查较多，请稍后再试。")
        return
    slot = object()
    running.add(slot)  # taken before the first await: ten requests at once cannot all pass the count above

    async def work() -> None:
        from bot.monitoring.probe import ResolverUnavailable
        from bot.monitoring.service import check_now  # dnspython is loaded on the first check, not at start

        try:
            check = await check_now(db, settings, name, clock=context.bot_data.clock)
            await reply_html(update, result_blocks(check.to_json(), region))
        except ResolverUnavailable:
            await reply_html(update, esc(NO_RESOLVER))
        except Exception:
            log.exception("monitor check failed")
            await reply_html(update, "检查时出错了，请稍后再试。")
        finally:
            running.discard(slot)

    try:
        await reply_html(update, f"正在检查 <code>{esc(name)}</code>，结果稍后发送……")
    except BaseException:
        running.discard(slot)
        raise
    context.application.create_task(work(), name=f"monitor:{name}")


async def geoip_command(update: Update, context: BotContext) -> None:
    """/geoip: the IP database in use; /geoip update: download the newest (off the update path). Admins only."""
    import asyncio

    from bot.monitoring import geo  # geoip2fast is loaded here, never at start

    settings = context.bot_data.settings
    if not (await user_role(update, context)).admin:
        await reply_html(update, "只有管理员可以查看或更新 IP 归属地数据库。")
        return
    wanted = " ".join(context.args or []).strip().lower()
    if wanted not in ("", "update", "更新"):
        await reply_html(update, "用法：<code>/geoip</code> 查看，<code>/geoip update</code> 下载最新数据库。")
        return
    if not wanted:
        try:
            info = await asyncio.to_thread(geo.database_info, settings.monitor_geoip_file)
        except Exception:  # a missing or broken MONITOR_GEOIP_FILE
            log.exception("IP database unreadable")
            await reply_html(update, f"IP 归属地数据库无法读取，请检查 MONITOR_GEOIP_FILE。\n{HOW_BY_HAND}")
            return
        await reply_html(update, f"IP 归属地数据库：{esc(str(info.get('source_info', '未知')))}\n"
                                 f"文件：<code>{esc(str(info.get('database_fullpath', '未知')))}</code>\n"
                                 "更新：<code>/geoip update</code>")
        return
    await reply_html(update, "正在下载最新的 IP 归属地数据库……")

    async def work() -> None:
        try:
            ok, where = await asyncio.wait_for(asyncio.to_thread(geo.refresh, settings.monitor_geoip_file), GEOIP_TIMEOUT)
        except TimeoutError:
            ok, where = False, "下载超时"
        if not ok:
            await reply_html(update, f"{esc(where)}，仍使用原数据库（服务器可能无法访问外网）。\n{HOW_BY_HAND}")
        elif settings.monitor_geoip_file:
            await reply_html(update, "已更新，之后的检查使用新数据库。")
        else:
            await reply_html(update, f"已下载到 <code>{esc(where)}</code>。设置 MONITOR_GEOIP_FILE={esc(where)} 后重启机器人即可使用。")

    context.application.create_task(work(), name="geoip-refresh")


def register(app: Application) -> None:
    app.add_handler(CommandHandler("monitor", monitor_command))
    app.add_handler(CommandHandler("geoip", geoip_command, block=False))
