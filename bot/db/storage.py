"""Database engine and sessions (SQLite with WAL by default, PostgreSQL to scale out).

SQLAlchemy sessions are blocking: from async code, run database work with `await db.run(fn)`, which
executes `fn(session)` in a worker thread and commits."""
from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError

if TYPE_CHECKING:
    from sqlmodel import Session

T = TypeVar("T")
CONNECT_WAIT = 5  # seconds to open a connection
POOL_WAIT = 5  # seconds to wait for a free pooled connection
LOCK_WAIT = 10  # seconds a statement waits for a lock (SQLite's busy time-out too)
STATEMENT_LIMIT = 120  # seconds any one statement may run (an import of 100k rows writes in ~1 s batches)
UPDATE_WAIT = 4.0  # seconds an update (a person waiting for the answer) waits on the database
COMMIT_GRACE = 10.0  # seconds a caller still waits for a commit that had begun when its own wait ran out
UNAVAILABLE = "数据库暂时不可用，请稍后再试。"


class UpdateSlot:
    """One of the places for updates handled side by side (bot.runtime.update_order), held by the task handling
    an update, and given up while that task waits on the database: an update that needs no database (/help, a
    question, a naming check) never queues behind updates waiting on a stalled one (with 4 places and 40 such
    updates queued, /help waited 40 s). The chat's own lock is kept, so one chat's updates stay in order."""

    __slots__ = ("semaphore", "held", "task", "_token")

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self.semaphore = semaphore
        self.held = False
        self.task: asyncio.Task | None = None
        self._token = None

    async def __aenter__(self) -> UpdateSlot:
        await self.semaphore.acquire()
        self.held, self.task = True, asyncio.current_task()
        self._token = _SLOT.set(self)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        _SLOT.reset(self._token)
        if self.held:
            self.held = False
            self.semaphore.release()

    @staticmethod
    def current() -> UpdateSlot | None:
        """The slot this very task holds (not one a task it started inherited with the context)."""
        slot = _SLOT.get()
        return slot if slot is not None and slot.held and slot.task is asyncio.current_task() else None

    def give_up(self) -> None:
        self.held = False
        self.semaphore.release()

    async def take_back(self) -> None:
        await self.semaphore.acquire()  # cancelled here: not held, and __aexit__ releases nothing
        self.held = True


_SLOT: ContextVar[UpdateSlot | None] = ContextVar("update_slot", default=None)


class DatabaseUnavailable(RuntimeError):
    """The database did not answer in time, or refused the connection: the person gets UNAVAILABLE."""


def normalise_url(url: str) -> str:
    """postgresql:// and postgres:// use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def private_files(path: Path) -> None:
    """The registry holds people's names, phones and Telegram ids: a folder the bot creates is 0700, the database
    file 0600, and SQLite gives its -wal and -shm files the database file's mode."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
        folder.chmod(0o700)  # mkdir's mode is masked by the umask
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate == path or candidate.exists():
            os.close(os.open(candidate, os.O_CREAT | os.O_RDWR, 0o600))
            if candidate.stat().st_mode & 0o077:
                candidate.chmod(0o600)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_files(Path(parsed.database))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": LOCK_WAIT})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(LOCK_WAIT * 1000)}")
            cursor.close()

        return engine
    # A database that stalls must not hold connections, threads and chats for ever: bounded connect, pool wait
    # and statement time; TCP keepalives notice a peer that went silent.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_timeout=POOL_WAIT,
                         connect_args={"connect_timeout": CONNECT_WAIT,
                                       "options": f"-c statement_timeout={STATEMENT_LIMIT * 1000}"
                                                  f" -c lock_timeout={LOCK_WAIT * 1000}",
                                       "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
                                       "keepalives_count": 3})


class Database:
    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(url)
        self._executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="db")
        self.memo: dict[str, object] = {}  # read caches that belong to this database (bot.registry.reads)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        from sqlmodel import Session  # the ORM (~0.1 s to import) is not needed before the first database session

        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def call(self, fn: Callable[[Session], T], attempt: Attempt | None = None) -> T:
        """`fn(session)` in one transaction. With an `attempt`, the work commits only if its caller still waits
        for it: work whose caller gave up (and told the person 数据库暂时不可用) is rolled back."""
        from sqlmodel import Session  # the ORM (~0.1 s to import) is not needed before the first database session

        with Session(self.engine, expire_on_commit=False) as session:
            try:
                result = fn(session)
                if attempt is not None and not attempt.begin_commit():
                    session.rollback()
                    return result
                session.commit()
                return result
            except BaseException:
                session.rollback()
                raise

    def call_core(self, fn: Callable[[Connection], T], attempt: Attempt | None = None) -> T:
        with self.engine.connect() as connection:
            transaction = connection.begin()
            try:
                result = fn(connection)
                if attempt is not None and not attempt.begin_commit():
                    transaction.rollback()
                    return result
                transaction.commit()
                return result
            except BaseException:
                transaction.rollback()
                raise

    async def run(self, fn: Callable[[Session], T] | Callable[[Connection], T], timeout: float | None = UPDATE_WAIT,
                  core: bool = False, keep_slot: bool = False) -> T:
        """Run blocking database work off the event loop, in the database's own threads (a stalled database
        then ties up none of the event loop's). Waits at most `timeout` seconds: a stalled or unreachable
        database raises DatabaseUnavailable instead of freezing the chat, and the work is then rolled back
        whenever it gets through, so what the person is told (it did not happen) stays true. Only a commit
        already under way when the wait ran out is waited for (COMMIT_GRACE more seconds): its outcome is what
        the caller gets. `core=True` gives `fn` a SQLAlchemy Core connection in a transaction instead of an
        ORM session (no ORM import: start-up reads before the first poll)."""
        loop = asyncio.get_running_loop()
        attempt = Attempt()
        future = loop.run_in_executor(self._executor, self.call_core if core else self.call, fn, attempt)
        # other chats' updates go on while this one waits (see UpdateSlot); `keep_slot`: a short wait made while
        # holding a lock other updates queue for (the reply pacer's), where taking the slot back could deadlock
        slot = None if keep_slot else UpdateSlot.current()
        if slot is not None:
            slot.give_up()
        try:
            done, _ = await asyncio.wait({future}, timeout=timeout)
            if not done:
                if attempt.abandon():
                    future.add_done_callback(_consume)  # rolled back in its thread; nothing to report
                    raise DatabaseUnavailable(f"no answer within {timeout} s")
                done, _ = await asyncio.wait({future}, timeout=COMMIT_GRACE)
                if not done:
                    future.add_done_callback(_consume)
                    raise DatabaseUnavailable(f"commit not confirmed within {timeout} + {COMMIT_GRACE} s")
            return future.result()
        except asyncio.CancelledError:
            attempt.abandon()
            future.add_done_callback(_consume)
            raise
        except (OperationalError, SATimeoutError) as exc:
            if _is_unavailable(exc):
                raise DatabaseUnavailable(str(exc).splitlines()[0]) from exc
            raise
        finally:
            if slot is not None:
                await slot.take_back()

    def upgrade(self) -> None:
        """Apply the Alembic migrations up to the newest schema (idempotent)."""
        from bot.db.migrate import upgrade

        upgrade(self.engine)

    def dispose(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


class Attempt:
    """One piece of work handed to a database thread: it commits only while its caller still waits. The caller
    gives up (`abandon`) and the worker starts its commit (`begin_commit`) under one lock, so exactly one of
    the two happens first: either the person is told 数据库暂时不可用 and nothing lands, or the commit runs."""

    __slots__ = ("_lock", "_state")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = "running"

    def begin_commit(self) -> bool:
        with self._lock:
            if self._state == "abandoned":
                return False
            self._state = "committing"
            return True

    def abandon(self) -> bool:
        """True when the work will not commit; False when its commit had already begun."""
        with self._lock:
            if self._state == "committing":
                return False
            self._state = "abandoned"
            return True


def _consume(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: no "exception was never retrieved" for work nobody waits for


_UNAVAILABLE_SIGNS = ("locked", "timeout", "timed out", "could not connect", "connection", "server closed",
                      "terminating", "canceling statement", "the database system is")


def _is_unavailable(exc: Exception) -> bool:
    """Lock waits, time-outs and lost connections; not a bad query (that is a bug to see in the log)."""
    if isinstance(exc, SATimeoutError):
        return True
    text = str(exc).lower()
    return getattr(exc, "connection_invalidated", False) or any(sign in text for sign in _UNAVAILABLE_SIGNS)
