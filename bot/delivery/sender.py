"""Sending the outbox: claim due rows, send them through the rate limiter, record what happened.

RetryAfter pushes the shared send budget back and retries without counting an attempt; an answer that may or
may not mean delivery (a time-out, a connection lost after sending) is uncertain: one more try a minute later,
then the row ends as 'uncertain' and the admins are told; Forbidden marks the chat inactive; ChatMigrated moves
the chat and resends; errors that never reached Telegram retry with backoff; a bad request is recorded and not
retried. A row is marked sent (with Telegram's message id) once Telegram accepted it, whatever fails after:
its outcome is written again until the database takes it, while this process keeps the claim. So a crash never
loses a message, and a duplicate needs the process to die between Telegram's answer and the record (and then
the row is tried at most once more, noted as uncertain)."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import secrets
import socket
import warnings
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBUserWarning

from bot.db.storage import Database, DatabaseUnavailable
from bot.delivery import pacing
from bot.ui.buttons import DEADLINE_DONE, DEADLINE_SNOOZE
from bot.ui.replies import REPLY_DEFAULTS

if TYPE_CHECKING:
    from bot.delivery import queue

log = logging.getLogger(__name__)
# do_api_request warns that send_message exists; the outbox uses it on purpose (Telegram's answer taken raw).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def reminder_buttons(deadline_id: int, due: dt.date) -> InlineKeyboardMarkup:
    """The 推迟 button names the due date it postpones: once the deadline moved, a replay is spent."""
    return InlineKeyboardMarkup([[InlineKeyboardButton("已完成", callback_data=DEADLINE_DONE.encode(deadline_id)),
                                  InlineKeyboardButton("推迟一个工作日",
                                                       callback_data=DEADLINE_SNOOZE.encode(deadline_id, due))]])


SEND_READ_TIMEOUT = 30.0  # python-telegram-bot's 5 s default took a slow answer for a lost message
MAX_PACING_WAIT = 30.0  # longer than this: the row goes back to the queue instead of holding its claim
RECORD_FIRST_DELAY, RECORD_MAX_DELAY = 0.5, 5.0  # recording a send's outcome again while the database stalls
RECORD_ERRORS = 5  # database errors that are not a stall (a bug) before a record is given up


class _Countdown:
    """Set once `tick` has been called `count` times."""

    def __init__(self, count: int) -> None:
        self.left = count
        self.event = asyncio.Event()
        if count <= 0:
            self.event.set()

    def tick(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.event.set()

    async def wait(self) -> None:
        await self.event.wait()


class Outbox:
    def __init__(self, db: Database, bot: Bot, clock: Callable[[], dt.datetime] = utc_now, batch: int = 30,
                 admins: Collection[int] = (), window: pacing.SendWindow | None = None) -> None:
        self.db = db
        self.bot = bot
        self.clock = clock
        self.batch = batch
        self.admins = frozenset(admins)  # configured admins (BOT_ADMIN_IDS); granted ones are read when reporting
        # Unique per process: after a restart in a container the pid (1) and host name repeat.
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.in_flight: set[int] = set()  # rows this process claimed and has not recorded yet: never released under it
        self._unsent: set[int] = set()  # claimed, not sent (the database stalled before the send): handed back
        self._lock = asyncio.Lock()
        self._window = window or pacing.SendWindow()

    async def drain(self) -> int:
        """Send everything that is due now; returns how many rows were handled. Batches stay small (30, one
        second of Telegram's budget, one row per chat) so that replies to people never queue behind a long
        broadcast and one chat's queue never holds back the others.

        Two batches overlap: the next is claimed once every row of this one holds its slot in the budget and the
        batch before it is done, so its slots follow this batch's last without a gap (claiming only after the
        last send had been answered and recorded left the budget unused for that round trip, ~3% of a long
        broadcast), and no more than two batches (two seconds of the budget) are ever claimed at once. A chat's
        next message waits until its previous one is answered, so each chat still gets its messages in order."""
        if self._lock.locked():
            return 0  # the previous tick is still sending
        from bot.delivery import queue  # the ORM and the models load on the first tick, not before the first poll

        async with self._lock:
            handled = 0
            previous: asyncio.Future | None = None
            in_flight: dict[int, asyncio.Future] = {}  # the previous batch's send to each chat
            try:
                while True:
                    unsent = set(self._unsent)

                    def take(session, unsent=unsent):
                        queue.unclaim(session, unsent, self.worker)
                        return queue.claim(session, self.worker, self.clock(), self.batch, keep=self.in_flight,
                                           admins=self.admins)

                    rows = await self.db.run(take)
                    self._unsent -= unsent
                    if not rows:
                        return handled
                    self.in_flight.update(row.id for row in rows)
                    slotted = _Countdown(len(rows))
                    sends = {row.chat_id: asyncio.ensure_future(
                        self._send(row, slotted=slotted.tick, after=in_flight.get(row.chat_id))) for row in rows}
                    batch = asyncio.gather(*sends.values())
                    try:
                        await slotted.wait()
                        if previous is not None:
                            await previous
                    except BaseException:
                        await asyncio.gather(batch, return_exceptions=True)  # never leave a send behind
                        raise
                    previous, in_flight = batch, sends
                    handled += len(rows)
            finally:
                if previous is not None:
                    await previous

    async def _pace(self, target: int, slotted: Callable[[], None] | None = None,
                    begin: Callable[[object], bool] | None = None) -> float | None:
        """Wait for this message's slot in the budget shared with every process (bot/delivery/pacing.py): one
        message every 3 s to a group, 30 per second overall. `slotted` is called once the overall slot is
        reserved (before its wait), or when pacing ends early. `begin(session)` runs in the overall slot's own
        transaction (the send's start is recorded there: no database trip between the slot and the send); when
        it answers False the message must not go (None is returned). Returns the wait still ahead when it is too
        long to hold a claim for (the row is then put back), else 0."""
        steps = [(pacing.chat_key(target), pacing.GROUP_INTERVAL)] if target < 0 else []
        steps.append(("all", pacing.OVERALL_INTERVAL))
        try:
            for key, interval in steps:
                if key == "all" and begin is not None:
                    wait, ours = await self.db.run(lambda s, key=key, interval=interval:
                                                   (pacing.reserve(s, key, interval), begin(s)))
                    if not ours:
                        return None
                else:
                    wait = await self.db.run(lambda s, key=key, interval=interval: pacing.reserve(s, key, interval))
                if key == "all" and slotted is not None:
                    slotted, signal = None, slotted
                    signal()
                if wait > MAX_PACING_WAIT:
                    return wait
                if wait > 0:
                    await asyncio.sleep(wait)
            return 0.0
        finally:
            if slotted is not None:
                slotted()

    async def _send(self, row: queue.Claimed, slotted: Callable[[], None] | None = None,
                    after: asyncio.Future | None = None) -> None:
        """Send one claimed row and record what came of it. Until the send begins a database error leaves the
        row unsent (its claim is handed back at the next tick). Once it began, what Telegram answered is
        recorded whatever the database does meanwhile (`_record` retries until it lands, holding the claim)."""
        from bot.delivery import queue

        try:
            if after is not None:  # the same chat's message of the batch before: answered first
                await asyncio.wait([after])
            target = row.chat_id
            try:
                later = await self._pace(target, slotted, begin=lambda s: queue.start(s, row.id, self.worker,
                                                                                    self.clock()))
                if later is None:
                    log.warning("delivery %s: claim lost before sending (taken over); not sent here", row.id)
                    return
                if later:
                    await self._record(row.id, error="waiting for the send budget", throttled=True,
                                       retry_at=self.clock() + dt.timedelta(seconds=later))
                    return
            except DatabaseUnavailable as exc:
                log.warning("delivery %s not sent: database busy or unreachable (%s); it is sent later", row.id, exc)
                self._unsent.add(row.id)
                return
            outcome = await self._deliver(row, target)
            if "migrated_to" in outcome:  # the group became a supergroup: move it (and its queue), send there
                new_id = outcome["migrated_to"]
                log.info("chat %s migrated to %s", target, new_id)
                await self._record(row.id, migrated=(target, new_id))
                try:
                    if not await self.db.run(lambda s: queue.start(s, row.id, self.worker, self.clock())):
                        return  # the new chat already had this message: the migration cancelled this copy
                except DatabaseUnavailable:
                    self._unsent.add(row.id)  # not sent to the new id yet: handed back at the next tick
                    return
                outcome = await self._deliver(row, new_id)
                if "migrated_to" in outcome:
                    outcome = {"error": "chat migrated twice", "failed": True}
            await self._record(row.id, **outcome)
        finally:
            self.in_flight.discard(row.id)

    async def _deliver(self, row: queue.Claimed, target: int) -> dict:
        """One sendMessage; returns the outcome to record (queue.finish's keywords). Telegram's answer is taken
        raw (no Message object is built from it): an answer that is not what python-telegram-bot expects can
        no longer fail a send that Telegram accepted."""
        from bot.delivery import pacing

        text = ("（补发）" + row.text) if row.late else row.text
        markup = (reminder_buttons(row.deadline_id, row.deadline_due)
                  if row.deadline_id and row.deadline_due and row.kind in ("reminder", "overdue") else None)
        # Explicit, not left to the bot's Defaults: the outbox also runs with a plain Bot (tests, the CLI).
        params = {"chat_id": target, "text": text, "parse_mode": REPLY_DEFAULTS.parse_mode,
                  "link_preview_options": REPLY_DEFAULTS.link_preview_options}
        if markup is not None:
            params["reply_markup"] = markup
        await self._window.wait_turn()
        paced = pacing.outbox_paced.set(True)  # paced above: the replies' pacer leaves it alone
        try:
            answer = await self.bot.do_api_request("sendMessage", api_kwargs=params, read_timeout=SEND_READ_TIMEOUT)
        except RetryAfter as exc:  # a 429 is Telegram's pace, not a failure: every process waits, no attempt counted
            wait = pacing.flood_wait(exc)
            key = pacing.chat_key(target) if target < 0 else "all"
            await self._push_back(key, wait)
            return {"error": f"RetryAfter {wait}", "throttled": True, "retry_at": self.clock() + dt.timedelta(seconds=wait)}
        except TimedOut as exc:
            if _never_left(exc):  # the pool or the connection: Telegram never saw it, an ordinary retry
                return {"error": str(exc), "retry_at": self.clock() + dt.timedelta(seconds=2)}
            # Telegram may have taken it: try once more, a minute later; a second time-out ends as 'uncertain'.
            log.warning("delivery %s timed out after %.0f s; it may have arrived%s", row.id, SEND_READ_TIMEOUT,
                        "" if row.uncertain else ", one more try in 60 s")
            return self._unknown(row, f"timed out after {SEND_READ_TIMEOUT:.0f} s")
        except Forbidden as exc:
            log.info("chat %s is no longer reachable: %s", target, exc.message)
            return {"error": exc.message, "failed": True, "deactivate": target}
        except ChatMigrated as exc:
            return {"migrated_to": exc.new_chat_id}
        except BadRequest as exc:
            log.warning("delivery %s refused: %s", row.id, exc.message)
            return {"error": exc.message, "failed": True}
        except NetworkError as exc:
            if _never_left(exc) or not isinstance(exc.__cause__, httpx.HTTPError):
                # Not connected, or an HTTP error status (502 …): the request was refused, not taken.
                backoff = min(300, 2 ** (row.attempts + 1))
                return {"error": str(exc), "retry_at": self.clock() + dt.timedelta(seconds=backoff)}
            log.warning("delivery %s: connection lost after sending (%s); it may have arrived", row.id, exc)
            return self._unknown(row, f"connection lost after sending: {exc}")
        except TelegramError as exc:
            if exc.message == "Invalid server response":  # a 2xx answer whose body is not JSON: Telegram took it
                log.warning("delivery %s: sent, but Telegram's answer could not be read", row.id)
                return {"error": "sent; Telegram's answer could not be read"}
            backoff = min(300, 2 ** (row.attempts + 1))
            return {"error": str(exc), "retry_at": self.clock() + dt.timedelta(seconds=backoff)}
        except Exception as exc:  # python-telegram-bot wraps every transport error: this one came after a 2xx answer
            log.warning("delivery %s: sent, but Telegram's answer could not be read (%r)", row.id, exc)
            return {"error": f"sent; Telegram's answer could not be read: {exc!r}"[:200]}
        finally:
            pacing.outbox_paced.reset(paced)
        message_id = answer.get("message_id") if isinstance(answer, dict) else None
        return {"error": "sent; an earlier try timed out and may have arrived too" if row.uncertain else "",
                "message_id": message_id if isinstance(message_id, int) else None}

    def _unknown(self, row: queue.Claimed, error: str) -> dict:
        """Telegram may or may not have the message: one more try a minute later, then 'uncertain' (reported)."""
        return {"error": error, "uncertain": True,
                "retry_at": None if row.uncertain else self.clock() + queue_module().UNCERTAIN_RETRY_AFTER}

    async def _push_back(self, key: str, wait: float) -> None:
        from bot.delivery import pacing

        try:
            await self.db.run(lambda s: pacing.push_back(s, key, wait))
        except DatabaseUnavailable:
            pass  # the row itself waits as told; other processes meet their own 429

    async def _record(self, delivery_id: int, *, migrated: tuple[int, int] | None = None, deactivate: int | None = None,
                      **outcome: object) -> None:
        """Write what came of a send, retrying until it lands: the outcome is known here and only here, so a
        database that stalls (a long import's lock, a PostgreSQL pause) delays the record, never loses it. The
        row stays claimed by this process meanwhile (`in_flight`: never released under it), so it is not sent
        again. A database error that is not a stall (a bug) is given up after a few tries: the row's claim is
        then released as an unknown outcome (one more try, then reported), never silently repeated."""
        from bot.delivery import chats, queue

        def write(session):
            if migrated is not None:  # a certain non-send (400): the row starts again under the new id
                chats.migrate_chat(session, *migrated)
                queue.unstart(session, delivery_id)
                return
            if deactivate is not None:
                chats.deactivate_chat(session, deactivate)
            queue.finish(session, delivery_id, self.clock(), admins=self.admins, **outcome)

        delay, errors, waited = RECORD_FIRST_DELAY, 0, 0.0
        while True:
            try:
                await self.db.run(write)
                if waited:
                    log.info("delivery %s: outcome recorded after the database came back (%.0f s)", delivery_id, waited)
                return
            except DatabaseUnavailable as exc:
                if not waited:
                    log.warning("delivery %s: database busy (%s); recording its outcome again until it lands",
                                delivery_id, exc)
            except Exception:
                errors += 1
                log.exception("delivery %s: recording its outcome failed (%d)", delivery_id, errors)
                if errors >= RECORD_ERRORS:
                    return
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, RECORD_MAX_DELAY)


def queue_module():
    from bot.delivery import queue

    return queue


def _never_left(exc: Exception) -> bool:
    """The request never reached Telegram: no free connection, or the connection could not be made."""
    cause = exc.__cause__
    return str(exc).startswith("Pool timeout") or isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout,
                                                                        httpx.PoolTimeout))
