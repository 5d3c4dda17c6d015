"""Jobs on python-telegram-bot's JobQueue: the outbox tick, reminder planning, the weekly digest and the
warning that next year's holiday schedule is missing. All database work runs off the event loop."""
from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from telegram.ext import Application

from bot.config.settings import Settings
from bot.db.storage import Database, DatabaseUnavailable
from bot.delivery.sender import Outbox
from bot.runtime.state import BotContext

if TYPE_CHECKING:
    from bot.deadlines import planning

# The services (and with them the ORM and the models) are imported where used: the first job runs after the
# first getUpdates, and nothing before it needs them (issue 17, start-up).

log = logging.getLogger(__name__)
OUTBOX_INTERVAL = 1.0
PLAN_INTERVAL = 300.0


def reminder_settings(settings: Settings) -> planning.ReminderSettings:
    from bot.deadlines import planning

    return planning.ReminderSettings(timezone=settings.timezone, send_time=settings.send_time,
                                      offsets=settings.offsets, admins=settings.bot_admin_ids)


async def replan(app: Application) -> int:
    """Plan deliveries now (after an edit, a subscription, or at start)."""
    db: Database = app.bot_data.db
    clock: Callable[[], dt.datetime] = app.bot_data.clock
    rs = reminder_settings(app.bot_data.settings)
    from bot.deadlines import events, planning
    from bot.delivery import queue

    outbox: Outbox | None = app.bot_data.outbox
    keep = set(outbox.in_flight) if outbox is not None else set()
    admins = app.bot_data.settings.bot_admin_ids

    def work(session):
        queue.release_stale(session, clock(), keep, admins)  # never a row this process is still recording
        events.sync_campaigns(session)
        return planning.plan(session, rs, clock())

    return await db.run(work, timeout=60)  # planning over the whole registry: not a person waiting


@contextmanager
def background_job(name: str) -> Iterator[None]:
    """A periodic job's failure is logged and the next tick tries again. A database that is busy (on SQLite, a
    large import's write transaction) or unreachable is one warning line, not a traceback: it is expected, and the
    job itself has nothing to repair."""
    try:
        yield
    except DatabaseUnavailable as exc:
        log.warning("%s: database busy or unreachable (%s); the next run tries again", name, exc)
    except Exception:
        log.exception("%s failed", name)


async def _outbox_tick(context: BotContext) -> None:
    outbox: Outbox = context.bot_data.outbox
    with background_job("outbox"):
        await outbox.drain()


async def _plan_tick(context: BotContext) -> None:
    with background_job("planning"):
        await replan(context.application)


async def _daily_tick(context: BotContext) -> None:
    app = context.application
    db: Database = app.bot_data.db
    settings: Settings = app.bot_data.settings
    now = app.bot_data.clock()
    today = now.astimezone(settings.timezone).date()
    from bot.reporting.progress import enqueue_weekly_digests

    with background_job("daily job"):
        await db.run(lambda s: (enqueue_weekly_digests(s, now, today, settings.digest_weekday, settings.bot_admin_ids),
                                warn_missing_schedule(s, settings, now, today)), timeout=60)


def warn_missing_schedule(session, settings: Settings, now: dt.datetime, today: dt.date) -> int:
    """From November on, admins are told (weekly) when next year's official schedule is still unknown."""
    if today.month < 11:
        return 0
    from bot.deadlines import calendar, planning
    from bot.delivery import queue

    year = today.year + 1
    if calendar.work_calendar(session).knows(year):
        return 0
    text = (f"⚠️ 尚未录入（或未录全）{year} 年法定节假日和调休安排，{year} 年的期限暂按周末和法定节日推算。"
            f"国务院办公厅公布后，请用 /holidays {year} 休 日期… 班 日期… 录入。")
    week = today.isocalendar().week
    return sum(queue.enqueue(session, f"holidays:{year}:w{week}:c{admin}", admin, html.escape(text), now, "notice")
               for admin in planning.admin_ids(session, settings.bot_admin_ids))


async def _inbox_tick(context: BotContext) -> None:
    with background_job("update inbox"):
        await context.bot_data.inbox.tend(context.application)


def install_jobs(app: Application) -> None:
    settings: Settings = app.bot_data.settings
    pacer = app.bot_data.pacer  # the outbox and the replies share this process's window of 30 sends a second
    app.bot_data.outbox = Outbox(app.bot_data.db, app.bot, app.bot_data.clock, admins=settings.bot_admin_ids,
                                 window=pacer.window if pacer is not None else None)
    jobs = app.job_queue
    job_kwargs = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    jobs.run_repeating(_plan_tick, interval=PLAN_INTERVAL, first=0, name="plan", job_kwargs=job_kwargs)
    jobs.run_repeating(_outbox_tick, interval=OUTBOX_INTERVAL, first=0.5, name="outbox", job_kwargs=job_kwargs)
    if app.bot_data.inbox is not None:
        jobs.run_repeating(_inbox_tick, interval=1.0, first=0.2, name="inbox", job_kwargs=job_kwargs)
    jobs.run_daily(_daily_tick, time=settings.send_time.replace(tzinfo=settings.timezone), name="daily")
