"""Updates are acknowledged to Telegram only once they are handled or handed over durably (issue 27 item 9).

Telegram forgets an update once it is acknowledged: for a webhook, by the 200 answer; for long polling, by the
next getUpdates whose offset is past it. A process killed after acknowledging lost what it had not handled yet
(two webhook replicas under load: 900 updates). Here every update is written to the `update_inbox` table before
it is acknowledged, and deleted once handled:

- **webhook**: the update queue's `put` (what python-telegram-bot's webhook handler awaits before its 200) writes
  the row first; when the database does not take it within the 4 s wait the answer is 503, and Telegram sends
  the update again later. An update already in the inbox (Telegram retrying) is answered 200 and not handled twice.
- **polling** (`AckingBot.get_updates`): the offset asked for never passes an update that is neither handled nor
  written. Fetched updates are handled at once and written alongside (one transaction per batch); while the
  database stalls they hold the offset back until handled (a chat's `/help` is still answered, and a long
  import's write lock delays no answer).

Each process beats (`worker_beat`) every BEAT_EVERY seconds; the rows of a process that stopped beating for
INBOX_TAKEOVER_SECONDS (30) are taken over by a live one and handled, in update order. Handled rows are deleted in
batches (one statement a second). All of it is SQLAlchemy Core (no ORM before the first poll)."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import text
from telegram import Update
from telegram.ext import ExtBot

from bot.db.storage import UPDATE_WAIT, Database, DatabaseUnavailable

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from telegram.ext import Application

log = logging.getLogger(__name__)
BEAT_EVERY = 5.0  # seconds between beats (at most a third of the takeover time)
TAKE_OVER_LIMIT = 200
WRITE_WAIT = 0.5  # polling: seconds the next getUpdates waits for the previous batch's inbox write


class Inbox:
    def __init__(self, db: Database, worker: str, dead_after: float = 30.0) -> None:
        self.db = db
        self.worker = worker
        self.dead_after = dead_after  # seconds without a beat: the process is gone (INBOX_TAKEOVER_SECONDS)
        self.in_flight: dict[int, bool] = {}  # update id -> written to the inbox
        self.seen_max = 0  # every update up to here is handled or in flight
        self._handled: list[int] = []  # written and handled: rows to delete
        self._progress = asyncio.Event()
        self._beat_at = 0.0

    # -- what the update processor reports ------------------------------------------------------------------
    def done(self, update_id: int) -> None:
        written = self.in_flight.pop(update_id, None)
        if written:
            self._handled.append(update_id)
        self._progress.set()

    # -- polling ----------------------------------------------------------------------------------------------
    def ack_offset(self, offset: int | None) -> int | None:
        """The offset to ask Telegram for: never past an update in flight that is not written down."""
        unwritten = [uid for uid, written in self.in_flight.items() if not written]
        if not unwritten:
            return offset
        lowest = min(unwritten)
        return lowest if offset is None else min(offset, lowest)

    def fresh(self, updates: Iterable[Update]) -> list[Update]:
        """Updates not seen before (Telegram sends again those the held-back offset did not acknowledge)."""
        out = []
        for update in updates:
            if update.update_id <= self.seen_max:
                continue
            self.seen_max = update.update_id
            if update.update_id in self.in_flight:
                continue  # taken over from a stopped process's inbox rows, in hand already
            self.in_flight[update.update_id] = False
            out.append(update)
        return out

    async def wait_progress(self, seconds: float) -> None:
        self._progress.clear()
        try:
            await asyncio.wait_for(self._progress.wait(), seconds)
        except TimeoutError:
            pass

    # -- writing down -----------------------------------------------------------------------------------------
    async def write(self, updates: list[Update], timeout: float, take: bool = False) -> set[int]:
        """Write `updates` to the inbox, claimed by this process; returns the ids that were already there
        (another process, or Telegram repeating itself): their owner handles them, not this call's caller.
        `take`: this process already has them in hand (polling), so a row left by a stopped process is
        claimed for this one instead (not taken over and handled a second time)."""
        rows = [{"id": u.update_id, "payload": json.dumps(u.to_dict(), ensure_ascii=False), "worker": self.worker,
                 "now": time.time(), "alive": time.time() - self.dead_after} for u in updates]
        conflict = ("DO UPDATE SET claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at WHERE "
                    "update_inbox.claimed_by NOT IN (SELECT worker FROM worker_beat WHERE seen_at >= :alive)"
                    if take else "DO NOTHING")

        def insert(conn: Connection) -> set[int]:
            taken = set()
            for row in rows:
                new = conn.execute(text("INSERT INTO update_inbox (update_id, payload, claimed_by, claimed_at) "
                                        f"VALUES (:id, :payload, :worker, :now) ON CONFLICT (update_id) {conflict} "
                                        "RETURNING update_id"), row).first()
                if new is not None:
                    taken.add(row["id"])
            return taken

        taken = await self.db.run(insert, timeout=timeout, core=True)
        for uid in taken:
            if uid in self.in_flight:
                self.in_flight[uid] = True
            else:
                self._handled.append(uid)  # handled while it was being written: the row goes at the next tick
        return {row["id"] for row in rows} - taken

    async def write_later(self, updates: list[Update]) -> None:
        """Polling: write fetched updates while they are already being handled (a database held by a long
        import's transaction must not delay every answer); until written they hold the offset back."""
        try:
            await self.write(updates, UPDATE_WAIT, take=True)
        except Exception as exc:  # whatever the database says: these are handled from memory
            log.warning("update inbox: %d updates not written (%s); acknowledged to Telegram once handled",
                        len(updates), exc)

    async def tend(self, app: Application) -> int:
        """Once a second: delete handled rows; every BEAT_EVERY seconds say this process is alive, and take over
        (and handle, in order) the rows of a process that stopped. Returns how many were taken over."""
        handled, self._handled = self._handled, []
        now = time.time()
        beat = now - self._beat_at >= min(BEAT_EVERY, self.dead_after / 3)

        def work(conn: Connection) -> list[tuple[int, str]]:
            if handled:
                conn.execute(text("DELETE FROM update_inbox WHERE update_id IN ({})".format(
                    ",".join(str(int(uid)) for uid in handled))))
            if not beat:
                return []
            conn.execute(text("INSERT INTO worker_beat (worker, seen_at) VALUES (:w, :now) "
                              "ON CONFLICT (worker) DO UPDATE SET seen_at = excluded.seen_at"),
                         {"w": self.worker, "now": now})
            conn.execute(text("DELETE FROM worker_beat WHERE seen_at < :old"), {"old": now - 10 * self.dead_after})
            orphans = conn.execute(text(
                "SELECT update_id FROM update_inbox WHERE claimed_by <> :w AND claimed_by NOT IN "
                "(SELECT worker FROM worker_beat WHERE seen_at >= :alive) ORDER BY update_id LIMIT :n"),
                {"w": self.worker, "alive": now - self.dead_after, "n": TAKE_OVER_LIMIT}).scalars().all()
            taken = []
            for uid in orphans:  # one by one: two live processes never take the same row
                row = conn.execute(text(
                    "UPDATE update_inbox SET claimed_by = :w, claimed_at = :now WHERE update_id = :id AND "
                    "claimed_by NOT IN (SELECT worker FROM worker_beat WHERE seen_at >= :alive) "
                    "RETURNING update_id, payload"),
                    {"w": self.worker, "now": now, "id": uid, "alive": now - self.dead_after}).first()
                if row is not None:
                    taken.append((row[0], row[1]))
            return taken

        try:
            taken = await self.db.run(work, core=True)
        except DatabaseUnavailable as exc:
            self._handled = handled + self._handled  # deleted at the next tick
            log.warning("update inbox: database busy or unreachable (%s); the next tick tries again", exc)
            return 0
        if beat:
            self._beat_at = now
        for uid, payload in taken:
            self.in_flight[uid] = True
            log.warning("update %s: taken over from a stopped process, handled here", uid)
            await asyncio.Queue.put(app.update_queue, Update.de_json(json.loads(payload), app.bot))
        return len(taken)

    async def leave(self) -> None:
        """A clean stop: this process's beat goes, so another takes over what it leaves at once."""
        try:
            await self.db.run(lambda conn: conn.execute(text("DELETE FROM worker_beat WHERE worker = :w"),
                                                        {"w": self.worker}), core=True)
        except Exception as exc:
            log.info("update inbox: beat not removed (%s)", exc)


class DurableQueue(asyncio.Queue):
    """The application's update queue. In webhook mode `put` writes the update to the inbox first: the webhook
    handler awaits it before answering 200, and an exception here answers 500 (Telegram sends it again)."""

    inbox: Inbox | None = None
    write_on_put = False

    async def put(self, item: object) -> None:
        inbox = self.inbox
        if self.write_on_put and inbox is not None and isinstance(item, Update):
            if item.update_id in inbox.in_flight:
                return  # Telegram sent it again while this process is on it (taken over, or a retry)
            inbox.in_flight[item.update_id] = False
            try:
                repeated = await inbox.write([item], UPDATE_WAIT)
            except DatabaseUnavailable as exc:
                inbox.in_flight.pop(item.update_id, None)
                import tornado.web  # the webhook server's: its handler turns this into the answer

                log.warning("update %s not taken (database busy: %s); answered 503, Telegram sends it again",
                            item.update_id, exc)
                raise tornado.web.HTTPError(503, reason="database busy") from exc
            except BaseException:
                inbox.in_flight.pop(item.update_id, None)
                raise
            if repeated:  # in the inbox already (Telegram repeating a 200 it did not hear): handled by its owner
                inbox.in_flight.pop(item.update_id, None)
                return
            inbox.seen_max = max(inbox.seen_max, item.update_id)
        await super().put(item)


class AckingBot(ExtBot):
    """python-telegram-bot's ExtBot whose getUpdates never acknowledges an update that is neither handled nor
    written to the inbox (see the module's docstring)."""

    _inbox: Inbox | None = None
    _writing: set[asyncio.Future]

    def acknowledge_through(self, inbox: Inbox | None) -> None:
        self._inbox = inbox  # protected names: python-telegram-bot's objects refuse new public attributes
        self._writing = set()

    async def get_updates(self, offset: int | None = None, limit: int | None = None, timeout=None,
                          allowed_updates=None, **kwargs) -> tuple[Update, ...]:
        inbox = self._inbox
        if inbox is None:
            return await super().get_updates(offset, limit, timeout, allowed_updates, **kwargs)
        if self._writing:  # the last batch's write, a few ms as a rule: wait for it briefly, so the offset can
            # move past it now rather than Telegram sending the batch again (a stalled database: 0.5 s, then go on)
            await asyncio.wait(self._writing, timeout=WRITE_WAIT)
        updates = await super().get_updates(inbox.ack_offset(offset), limit, timeout, allowed_updates, **kwargs)
        fresh = inbox.fresh(updates)
        if fresh:
            task = asyncio.ensure_future(inbox.write_later(fresh))
            self._writing.add(task)
            task.add_done_callback(self._writing.discard)
        elif updates:
            await inbox.wait_progress(0.2)  # everything returned is in hand: no tight loop of getUpdates
        return tuple(fresh)
