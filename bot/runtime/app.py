"""The application factory: the only place (with the CLI) that wires settings, storage and handlers together."""
from __future__ import annotations

import asyncio
import gc
import logging
import os
import secrets
import socket

import httpx
from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

from bot.config.settings import Settings
from bot.db.storage import Database
from bot.delivery.pacing import ReplyPacer, SendWindow
from bot.runtime.bot_api import BotAPIRequest
from bot.runtime.inbox import AckingBot, DurableQueue, Inbox
from bot.runtime.incoming import CleaningApplication
from bot.runtime.jobs import install_jobs
from bot.runtime.state import CONTEXT_TYPES
from bot.runtime.update_order import PerChatUpdateProcessor
from bot.ui.replies import REPLY_DEFAULTS
from handlers import applications, basics, campaigns, domains, monitoring, naming, notices, policy, progress, records, text

log = logging.getLogger(__name__)

FEATURES = (records, domains, basics, policy, naming, notices, progress, campaigns, applications, monitoring)  # modules with COMMANDS and register(app); /start <code> first


def conversation_persistence(db: Database, settings: Settings):
    import datetime as dt

    from bot.applications.conversations import DatabasePersistence

    return DatabasePersistence(db, dt.timedelta(minutes=settings.application_timeout_minutes))


def file_url(api_base_url: str) -> str:
    """Files are served next to the API: https://api.telegram.org/bot → https://api.telegram.org/file/bot."""
    root, _, tail = api_base_url.rstrip("/").rpartition("/")
    return f"{root}/file/{tail}"


def all_commands() -> list[basics.BotCommandInfo]:
    """The menu and /help list: basics first, then the features in the order staff meet them."""
    return [command for module in (basics, policy, naming, records, domains, progress, notices, campaigns, applications, monitoring)
            for command in module.COMMANDS]


async def register_commands(app: Application) -> None:
    commands = app.bot_data.commands
    private = [BotCommand(c.name, c.description) for c in commands if c.private]
    group = [BotCommand(c.name, c.description) for c in commands if c.group]
    await app.bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
    await app.bot.set_my_commands(group, scope=BotCommandScopeAllGroupChats())


MENU_RETRY_FIRST, MENU_RETRY_MAX = 30.0, 3600.0  # seconds: the first retry of the command menu, and the longest wait


async def offer_command_menu(app: Application, wait: float) -> None:
    """The command menu is a nicety: when Telegram does not take it, the bot starts all the same, says so in
    one line and tries again later, waiting twice as long each time (up to MENU_RETRY_MAX)."""
    try:
        await register_commands(app)
    except Exception as exc:  # a refusal, a network error or an answer that cannot be read: never stops the bot
        from bot.config.logs import redact

        log.warning("命令菜单未能设置（setMyCommands）：%s: %s；%g 秒后重试", type(exc).__name__,
                    redact(str(exc))[:200], wait)

        async def again(_context) -> None:
            await offer_command_menu(app, min(wait * 2, MENU_RETRY_MAX))

        # Scheduled from post_init, before the job queue starts: a start slower than the wait would make the
        # scheduler drop the retry as misfired (APScheduler's 1 s grace), and the menu would never be set.
        app.job_queue.run_once(again, wait, name="command-menu", job_kwargs={"misfire_grace_time": None})
        return
    if wait > MENU_RETRY_FIRST:
        log.info("命令菜单已设置")


# Loaded after the first getUpdates (issue 17, start-up): the handlers import their services where they use
# them, so the ORM, the models (~0.25 s) and the services are not needed to start polling.
SERVICES = ("bot.db.models", "bot.registry.access", "bot.registry.lookup", "bot.registry.edits", "bot.registry.region",
            "bot.registry.audit", "bot.delivery.queue", "bot.delivery.chats", "bot.deadlines.calendar",
            "bot.deadlines.events", "bot.deadlines.planning", "bot.reporting.progress", "bot.monitoring.store",
            "bot.monitoring.service", "bot.applications.records", "bot.campaigns.store", "bot.registry.importer",
            "bot.registry.export", "dns.resolver")  # the monitoring run's system resolvers: not imported on the event loop at its first run


def _warm_up() -> None:
    """Import the services, build the Q&A index and the division table now rather than on the first question;
    then leave them, and everything else loaded so far, out of the garbage collector's full passes (80 ms each,
    a pause for every chat, measured in benchmarks; nearly nothing after the freeze). `domainbot run` starts
    with the collector off (bot/cli: start-up frees almost nothing): it is switched on here, after one pass."""
    import importlib
    import mimetypes

    from knowledge.naming import suggest
    from knowledge.qa import get_index
    from knowledge.rules import check

    try:
        for module in SERVICES:
            importlib.import_module(module)
        mimetypes.init()  # the file types a sent document is labelled with: read from disk at the first upload
        get_index()
        suggest("武定县人民政府")
        check("rsj.lufeng.gov.cn", "武定县人力资源和社会保障局")  # the department model, every division's spellings
    finally:
        gc.collect()
        gc.freeze()
        gc.enable()


async def _post_init(app: Application) -> None:
    db: Database = app.bot_data.db
    await asyncio.to_thread(db.upgrade)  # migrations on start
    await offer_command_menu(app, MENU_RETRY_FIRST)
    install_jobs(app)
    from bot.runtime.monitor_jobs import install_monitoring

    install_monitoring(app)
    app.bot_data.warm_up = asyncio.create_task(_warm_up_once_polling(app))


async def _warm_up_once_polling(app: Application, wait: float = 2.0) -> None:
    """The warm-up (a CPU-bound thread, 0.3-0.5 s) starts once the updater runs, so the first getUpdates does
    not queue for the GIL behind it; where nothing polls (console, tests) it starts after `wait` seconds."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + wait
    while not (app.updater is not None and app.updater.running) and loop.time() < give_up:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.05)  # the first getUpdates is on its way
    await loop.run_in_executor(None, _warm_up)
    from bot.workers import refresh_caches

    await refresh_caches(app.bot_data.db)  # the unit-name index (100k names: a few hundred ms) before any lookup


async def _post_shutdown(app: Application) -> None:
    from bot.workers import shutdown as stop_workers

    if app.bot_data.inbox is not None:
        await app.bot_data.inbox.leave()  # what is left in the inbox is taken over at once by a live process
    stop_workers()  # the import/report worker process, if one is running
    db: Database | None = app.bot_data.db
    if db is not None:
        db.dispose()


def build_application(settings: Settings, request: BaseRequest | None = None,
                      get_updates_request: BaseRequest | None = None, durable: bool = True) -> Application:
    """Replies to people are paced against Telegram's limits by the request (bot/delivery/pacing.ReplyPacer, in
    the budget the outbox shares; a 429 is still waited out in handlers/common.reply_html); bulk sending is paced
    by the outbox (bot/delivery/). Measured: python-telegram-bot's AIORateLimiter with no limits set cost about
    4% of throughput, hence a pacer of our own."""
    db = Database(settings.database_url)
    # Room for every chat being answered, and for the outbox sending alongside. The two HTTP clients (replies,
    # getUpdates) share one TLS context: the CA bundle is read once (~25 ms of the start) instead of once per
    # client; the clients are python-telegram-bot's defaults but for the JSON body.
    tls = {"verify": httpx.create_ssl_context()} if request is None or get_updates_request is None else None
    # Replies paced against Telegram's limits in the budget the outbox shares (bot/delivery/pacing.ReplyPacer).
    pacer = ReplyPacer(db, SendWindow()) if durable and settings.reply_pacing else None
    bot = AckingBot(settings.telegram_bot_token or "1:console-only-no-network",
                    base_url=settings.telegram_api_base_url, base_file_url=file_url(settings.telegram_api_base_url),
                    request=request or BotAPIRequest(connection_pool_size=settings.update_concurrency + 4,
                                                     pool_timeout=10.0, httpx_kwargs=tls, pacer=pacer),
                    get_updates_request=get_updates_request or BotAPIRequest(connection_pool_size=1, httpx_kwargs=tls),
                    defaults=REPLY_DEFAULTS)
    # Updates are acknowledged only once handled or written down (bot/runtime/inbox.py); not in the console.
    inbox = (Inbox(db, f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}", settings.inbox_takeover_seconds)
             if durable else None)
    bot.acknowledge_through(inbox)
    updates = DurableQueue()
    updates.inbox = inbox
    builder: ApplicationBuilder = (
        Application.builder()
        .application_class(CleaningApplication)  # every update's text cleaned where it enters
        .bot(bot)
        .update_queue(updates)
        .context_types(CONTEXT_TYPES)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    builder = builder.concurrent_updates(PerChatUpdateProcessor(settings.update_concurrency, inbox))
    builder = builder.persistence(conversation_persistence(db, settings))  # /apply survives restarts
    app = builder.build()
    app.bot_data.settings = settings
    app.bot_data.db = db
    app.bot_data.inbox = inbox
    app.bot_data.pacer = pacer
    app.bot_data.commands = all_commands()
    from bot.registry.region import configure as configure_region  # issue 11: the office's region
    configure_region(settings.bot_region)
    text.register(app)  # plain text (most updates) never matches a command handler: it need not walk them
    for module in FEATURES:
        module.register(app)
    basics.register_fallbacks(app)
    text.register_fallbacks(app)
    return app
