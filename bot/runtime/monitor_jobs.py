"""The scheduled monitoring run on python-telegram-bot's JobQueue: every minute, register new domains as
targets and check those that are due (each domain once a day at its own moment in working hours), claimed so
that several bot processes share the work."""
from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass

from telegram.ext import Application

from bot.config.settings import Settings
from bot.db.storage import Database
from bot.runtime.jobs import background_job
from bot.runtime.state import BotContext

log = logging.getLogger(__name__)
TICK = 60.0
SYNC_STEPS = 20  # transactions of new targets a minute: up to 10,000 targets
RESYNC = 900.0  # seconds: a change made outside the bot (by hand in the database) is seen within this


@dataclass
class _Synced:
    """The registry as of the last complete target sync: its newest audit row, and when (monotonic seconds)."""
    change: int = -1
    at: float = 0.0


async def _monitor_tick(context: BotContext) -> None:
    app = context.application
    db: Database = app.bot_data.db
    settings: Settings = app.bot_data.settings
    clock = app.bot_data.clock
    synced: _Synced = context.job.data
    from bot.monitoring.service import run_due, sync_in_steps  # loaded by the warm-up
    from bot.registry.audit import last_change

    with background_job("monitoring"):
        # The registry is compared with the targets only when it changed (any process's change writes an audit
        # row), and every RESYNC seconds anyway: at 100k domains the comparison costs ~50 ms of the database.
        change, now = await db.run(last_change), time.monotonic()
        if change != synced.change or now - synced.at > RESYNC:
            if await sync_in_steps(db, settings, clock, SYNC_STEPS):
                synced.change, synced.at = change, now
        checked = await run_due(db, settings, f"{socket.gethostname()}:{os.getpid()}", clock)
        if checked:
            log.info("monitoring: %d domains checked", checked)


def install_monitoring(app: Application) -> None:
    settings: Settings = app.bot_data.settings
    if not settings.monitor_enabled:
        return
    job_kwargs = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    app.job_queue.run_repeating(_monitor_tick, interval=TICK, first=30, name="monitor", data=_Synced(),
                                job_kwargs=job_kwargs)
