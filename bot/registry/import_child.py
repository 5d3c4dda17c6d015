"""A large file is read and checked in a forked child process (the second core) while the parent writes: the
child's steps come through a pipe."""
from __future__ import annotations

import gc
import operator
import os
import pickle
import signal
from collections.abc import Iterator
from dataclasses import fields

from bot.registry.sheet_rows import ImportReport, ParsedRow, _validate_steps

_STEP = 5000  # sheet rows a step of the child hands over
_row_tuple = operator.attrgetter(*(f.name for f in fields(ParsedRow)))


def _checked_in_child(data: bytes, filename: str, region: str, skip_invalid: bool) -> _FromChild:
    """`_validate_steps` in a child forked at once (it keeps this process's nice value and scheduling policy,
    and reads while this one loads the registry): an iterator of ("rows", sheet rows read, errors so far, the
    step's good rows as tuples), last ("report", report); raises what reading raised (SpreadsheetError).
    Closing it early kills the child."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, check, send; never returns
        code = 1
        try:
            os.close(read_end)
            gc.disable()  # a short life of acyclic rows, and nothing of the parent's collected (or closed) here
            with open(write_end, "wb") as out:
                report = ImportReport()
                try:
                    # calamine's copy of the sheet (~75 MB at 100k rows) is freed once the first step is out
                    for rows in _validate_steps(data, filename, report, None, region, _STEP, release=_STEP + 100):
                        wanted = not report.error_count or skip_invalid  # else the parent writes nothing
                        pickle.dump(("rows", report.rows, report.error_count,
                                     [_row_tuple(r) for r in rows] if wanted else []), out, pickle.HIGHEST_PROTOCOL)
                    pickle.dump(("report", report), out, pickle.HIGHEST_PROTOCOL)
                except Exception as exc:  # handed to the parent, raised there
                    try:
                        message = pickle.dumps(("failed", exc), pickle.HIGHEST_PROTOCOL)
                    except Exception:
                        message = pickle.dumps(("failed", RuntimeError(repr(exc))))
                    out.write(message)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return _FromChild(pid, read_end)


class _FromChild:
    """The child's messages, in order; `close` (always, even when never read) ends and reaps the child."""

    def __init__(self, pid: int, read_end: int) -> None:
        self.pid, self.source, self.finished = pid, open(read_end, "rb"), False  # closed in close

    def __iter__(self) -> Iterator[tuple]:
        while True:
            try:
                message = pickle.load(self.source)
            except EOFError:
                raise RuntimeError("the import's reading process ended without an answer") from None
            if message[0] == "failed":
                raise message[1]
            if message[0] == "report":
                self.finished = True
            yield message
            if self.finished:
                return

    def close(self) -> None:
        self.source.close()
        if not self.finished:
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
