"""The scheduled monitoring run on python-telegram-bot's JobQueue: every minute, register new domains as
targets and check those that are due (each domain once a day at its own moment in working hours), claimed so
that several bot processes share the work."""
from __future__ import annotations

import logging
import os
import socket

from telegram.ext import Application

from bot.config.settings import Settings
from bot.db.storage import Database
from bot.runtime.state import BotContext

log = logging.getLogger(__name__)
TICK = 60.0


async def _monitor_tick(context: BotContext) -> None:
    app = context.application
    db: Database = app.bot_data.db
    settings: Settings = app.bot_data.settings
    clock = app.bot_data.clock
    from bot.monitoring.service import run_due, sync_targets  # dnspython loads with the first run

    try:
        await db.run(lambda s: sync_targets(s, settings, clock()))
        checked = await run_due(db, settings, f"{socket.gethostname()}:{os.getpid()}", clock)
        if checked:
            log.info("monitoring: %d domains checked", checked)
    except Exception:
        log.exception("monitoring run failed")


def install_monitoring(app: Application) -> None:
    settings: Settings = app.bot_data.settings
    if not settings.monitor_enabled:
        return
    job_kwargs = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    app.job_queue.run_repeating(_monitor_tick, interval=TICK, first=30, name="monitor", job_kwargs=job_kwargs)
