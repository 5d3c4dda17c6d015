"""`import_file`: validate, then write in one transaction; a large file is read in a child process
(bot.registry.import_child) and written as its rows come."""
from __future__ import annotations

import gc
import os
from collections.abc import Callable

from sqlmodel import Session

from bot.registry.import_child import _checked_in_child
from bot.registry.import_writer import ImportTarget, _Writer, apply_rows
from bot.registry.sheet_rows import ImportReport, ParsedRow, validate

PARALLEL_BYTES = 1 << 20  # a larger file is read and checked in a child process while this one writes


class _Abandoned(Exception):
    """The file has errors: what was written so far is rolled back."""


def import_file(db_call: Callable, data: bytes, filename: str, actor: str, skip_invalid: bool = False,
                progress: Callable[[str, int, int], None] | None = None, region: str = "",
                target: ImportTarget | None = None) -> ImportReport:
    """Validate, then write in one transaction. `db_call(fn)` runs fn(session) and commits. `region` is the
    office's own region: unit names without a place are read as units of it; `target`: the office the sheet is
    for (its units join it; a unit out of the importer's scope refuses the file).

    A large file is read and checked by a child process (the second core) and written by this one as its
    rows come; a file with errors (unless `skip_invalid`) is rolled back whole, so nothing is written either
    way, and the report is the same."""
    if len(data) >= PARALLEL_BYTES and hasattr(os, "fork"):
        return _import_in_parallel(db_call, data, filename, actor, skip_invalid, progress, region, target)
    rows, report = validate(data, filename, (lambda n: progress("check", n, 0)) if progress else None, region)
    if report.errors and not skip_invalid:
        return report
    if report.errors:
        report.notes.append(f"已跳过有误的 {len(report.bad_rows)} 行。")
    total = len(rows)
    return db_call(lambda session: apply_rows(session, rows, actor, report,
                                              (lambda n: progress("write", n, total)) if progress else None, region,
                                              target))


def _import_in_parallel(db_call: Callable, data: bytes, filename: str, actor: str, skip_invalid: bool,
                        progress: Callable[[str, int, int], None] | None, region: str,
                        target: ImportTarget | None) -> ImportReport:
    # What both processes hold at the fork stays shared only while neither writes to it: no collection here
    # walks (and so copies) the objects of before the fork until the import is over.
    frozen = gc.get_freeze_count()  # a process that froze its own objects (the bot's) keeps them frozen
    gc.freeze()
    try:
        steps = _checked_in_child(data, filename, region, skip_invalid)
    except BaseException:
        if not frozen:
            gc.unfreeze()
        raise
    report = ImportReport()
    try:
        def write(session: Session) -> ImportReport:
            writer = _Writer(session, actor, report, region, target)
            checked = 0
            for kind, *payload in steps:
                if kind == "report":
                    break
                read, errors, rows = payload
                if progress:
                    for n in range(checked // 1000 + 1, read // 1000 + 1):
                        progress("check", n * 1000, 0)
                checked = read
                if not errors or skip_invalid:
                    writer.add([ParsedRow(*row) for row in rows])
            done = payload[0]  # every error, warning and note of the file
            for name in ("rows", "errors", "error_count", "bad_rows", "warnings", "ignored_columns", "notes",
                         "units_without_site"):
                setattr(report, name, getattr(done, name))
            if report.errors and not skip_invalid:
                session.rollback()
                raise _Abandoned
            if report.errors:
                report.notes.append(f"已跳过有误的 {len(report.bad_rows)} 行。")
            total = writer.count
            if progress and writer.inserts:
                progress("write", total - len(writer.inserts), total)
            return writer.finish((lambda n: progress("write", n, total)) if progress else None)

        return db_call(write)
    except _Abandoned:
        return report
    finally:
        steps.close()
        if not frozen:
            gc.unfreeze()
