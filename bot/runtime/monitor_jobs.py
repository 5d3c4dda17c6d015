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
from bot.runtime.jobs import background_job
from bot.runtime.state import BotContext

log = logging.getLogger(__name__)
TICK = 60.0
SYNC_ROUNDS = 20  # batches of new targets per minute


async def _monitor_tick(context: BotContext) -> None:
    app = context.application
    db: Database = app.bot_data.db
    settings: Settings = app.bot_data.settings
    clock = app.bot_data.clock
    from bot.monitoring.service import SYNC_BATCH, run_due, sync_targets  # loaded by the warm-up

    with background_job("monitoring"):
        # New domains are taken in a batch per transaction, at most SYNC_ROUNDS batches a minute: after a
        # 100k-row import the targets are added over a few minutes in short steps, with replies in between.
        for _ in range(SYNC_ROUNDS):
            if await db.run(lambda s: sync_targets(s, settings, clock())) < SYNC_BATCH:
                break
        checked = await run_due(db, settings, f"{socket.gethostname()}:{os.getpid()}", clock)
        if checked:
            log.info("monitoring: %d domains checked", checked)


def install_monitoring(app: Application) -> None:
    settings: Settings = app.bot_data.settings
    if not settings.monitor_enabled:
        return
    job_kwargs = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    app.job_queue.run_repeating(_monitor_tick, interval=TICK, first=30, name="monitor", job_kwargs=job_kwargs)
