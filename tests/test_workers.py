"""CPU-heavy work runs in a separate process that opens its own database, reports progress back, hands errors
back as the same exceptions, and is gone once no job is left."""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import time

import pytest

from bot import workers
from bot.db.storage import Database
from bot.registry.audit import Generation
from bot.registry.export import write_table
from bot.registry.lookup import lookup
from bot.registry.sheets import SpreadsheetError
from tests.support.samples import ROWS


def _xlsx(tmp_path) -> bytes:
    path = tmp_path / "in.xlsx"
    write_table(path, ROWS)
    return path.read_bytes()


async def test_import_and_report_run_in_another_process(db, tmp_path):
    seen: list[tuple[str, int, int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:  # called while the worker runs
        seen.append((stage, done, total, len(multiprocessing.active_children())))

    generation = Generation.value
    report = await workers.import_registry(db, _xlsx(tmp_path), "in.xlsx", "test", progress=progress)
    assert report.written and report.domains_created == 5
    assert Generation.value > generation  # this process's read caches drop what they held
    assert db.call(lambda s: lookup(s, "czj.wuding.gov.cn"))  # written by the worker, visible here
    assert seen and seen[-1][:3] == ("write", 5, 5) and seen[-1][3] >= 1  # from a child process
    summary = await workers.write_report(db, tmp_path / "report.xlsx")
    assert "5 个域名" in summary and (tmp_path / "report.xlsx").stat().st_size > 0
    assert workers._pool is None
    await _no_child_left()  # idle: the worker is gone


async def _no_child_left(timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while multiprocessing.active_children():
        if time.monotonic() > deadline:
            raise AssertionError(f"worker processes still running after {timeout} s")
        await asyncio.sleep(0.05)


async def test_errors_come_back_as_the_same_exception_and_change_nothing(db, tmp_path):
    with pytest.raises(SpreadsheetError):
        await workers.import_registry(db, b"PK\x03\x04garbage", "broken.xlsx", "test")
    assert not db.call(lambda s: lookup(s, "czj.wuding.gov.cn"))


async def test_a_worker_that_dies_is_reported_and_the_next_job_gets_a_new_one(db, tmp_path):
    with pytest.raises(workers.WorkerFailed):
        await workers._submit(os._exit)  # the worker process ends abruptly, as when killed
    report = await workers.import_registry(db, _xlsx(tmp_path), "in.xlsx", "test")
    assert report.written


async def test_an_in_memory_database_is_worked_on_in_a_thread(db, tmp_path, monkeypatch):
    assert not workers.shareable(Database("sqlite://")) and workers.shareable(db)
    monkeypatch.setattr(workers, "shareable", lambda _db: False)  # as for sqlite://, which a child cannot see
    await _no_child_left()  # the previous test's worker
    report = await workers.import_registry(db, _xlsx(tmp_path), "in.xlsx", "test")
    assert report.written and db.call(lambda s: lookup(s, "czj.wuding.gov.cn"))
    assert "5 个域名" in await workers.write_report(db, tmp_path / "report.csv")
    assert workers._pool is None and not multiprocessing.active_children()


def _init_without_lowering(queue) -> None:
    workers.jobs._queue = queue


def _own_priority(_job: int) -> tuple[int, int]:
    return os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0)


@pytest.mark.skipif(not hasattr(os, "sched_getscheduler"), reason="SCHED_BATCH is Linux only")
async def test_the_bot_lowers_the_worker_as_it_starts(monkeypatch):
    """Lowered by the bot as soon as it is started, not only by its own initializer after its imports (~0.4 s of
    CPU at the bot's priority, competing with the replies)."""
    await _no_child_left()
    monkeypatch.setattr(workers.jobs, "init_worker", _init_without_lowering)
    assert await workers._submit(_own_priority) == (os.getpriority(os.PRIO_PROCESS, 0) + 10, os.SCHED_BATCH)
