"""What runs inside the worker process: the same service functions the CLI calls, given picklable arguments
(database URL, file bytes, paths). Imports of the heavy modules happen here, in the child, on first use."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from bot.db.storage import Database

_queue = None  # progress to the parent: (job, stage, done, total)


WORKER_NICE = 19  # where the idle scheduling class is not available: the lowest ordinary priority


def init_worker(queue) -> None:
    global _queue
    _queue = queue
    lower_priority()


def lower_priority() -> str:
    """The worker runs only on CPU time the bot's own process leaves (Linux SCHED_IDLE; elsewhere nice 19): on a
    2-core host at nice 10 it still took a share of the core the bot's threads answer people on. Returns the
    policy it got."""
    import os

    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        return "idle"
    except (AttributeError, OSError):  # not Linux, or not allowed
        pass
    try:
        os.nice(WORKER_NICE)
        return f"nice {WORKER_NICE}"
    except (AttributeError, OSError):  # not on this platform
        return "normal"


def _progress(job: int) -> Callable[[str, int, int], None] | None:
    if _queue is None:
        return None
    return lambda stage, done, total: _queue.put((job, stage, done, total))


def _with_database(url: str, fn: Callable[[Database], object]) -> object:
    db = Database(url)
    try:
        return fn(db)
    finally:
        db.dispose()


def import_with(db_call: Callable, data: bytes, filename: str, actor: str, skip_invalid: bool, progress,
                region: str = ""):
    from bot.registry.spreadsheet import import_file

    return import_file(db_call, data, filename, actor, skip_invalid, progress, region)


def report_with(db_call: Callable, path: Path, today: dt.date | None = None, region: str = "") -> str:
    from bot.reporting.report import write_report

    settings = SimpleNamespace(bot_region=region)  # all the report reads of the settings
    return db_call(lambda session: write_report(session, path, today, settings)).summary()


def import_registry(job: int, url: str, data: bytes, filename: str, actor: str, skip_invalid: bool, region: str = ""):
    try:
        return _with_database(url, lambda db: import_with(db.call, data, filename, actor, skip_invalid, _progress(job),
                                                          region))
    finally:
        if _queue is not None:
            _queue.put((job, None, 0, 0))  # after every progress message of this job: the parent waits for it


def write_report(job: int, url: str, path: str, today: dt.date | None = None, region: str = "") -> str:
    return _with_database(url, lambda db: report_with(db.call, Path(path), today, region))


def registry_changed() -> None:
    from bot.registry.audit import Generation

    Generation.bump()


def refresh_name_index(session) -> None:
    """The bot's fuzzy unit-name index brought up to date right after an import (in the bot's process), so the
    first lookup afterwards does not rebuild it while a person waits."""
    from bot.registry.lookup import NAME_INDEX

    NAME_INDEX.refresh(session)
