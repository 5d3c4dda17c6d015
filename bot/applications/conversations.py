"""Guided conversations that survive restarts: python-telegram-bot's ConversationHandler states, and each
conversation's answers so far, in the conversation_state table.

Every step writes its state and answers at once (save_draft), so a crash loses nothing; the persistence
below gives ConversationHandler the stored states on start and deletes a row when a conversation ends.
Nothing else (user, chat, bot or callback data) is persisted."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, column, text
from telegram.ext import BasePersistence, PersistenceInput

from bot.db.storage import Database

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

# Read while the Application initialises, before the first getUpdates: plain SQL, so the ORM and the models
# (~0.25 s to import) load after the bot is polling. The table is bot.db.models.ConversationState.
_LIVE = text("SELECT chat_id, user_id, state, updated_at FROM conversation_state WHERE name = :name").columns(
    column("chat_id"), column("user_id"), column("state"), column("updated_at", DateTime))
_DROP = text("DELETE FROM conversation_state WHERE name = :name AND chat_id = :chat_id AND user_id = :user_id")


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def save_draft(session: Session, name: str, chat_id: int, user_id: int, state: str, data: dict,
               now: dt.datetime | None = None) -> None:
    from bot.db.models import ConversationState, utcnow

    row = session.get(ConversationState, (name, chat_id, user_id))
    if row is None:
        row = ConversationState(name=name, chat_id=chat_id, user_id=user_id)
    row.state, row.data, row.updated_at = state, json.dumps(data, ensure_ascii=False), now or utcnow()
    session.add(row)


def load_draft(session: Session, name: str, chat_id: int, user_id: int) -> tuple[str, dict, dt.datetime] | None:
    from bot.db.models import ConversationState

    row = session.get(ConversationState, (name, chat_id, user_id))
    return (row.state, json.loads(row.data or "{}"), _aware(row.updated_at)) if row else None


def drop_draft(session: Session, name: str, chat_id: int, user_id: int) -> None:
    from sqlalchemy import delete

    from bot.db.models import ConversationState

    session.execute(delete(ConversationState).where(ConversationState.name == name, ConversationState.chat_id == chat_id,
                                                    ConversationState.user_id == user_id))


class DatabasePersistence(BasePersistence):
    """Conversation states only, in the database. Rows older than `timeout` are dropped on start: their
    timeout would have ended them (ConversationHandler's timeout jobs do not survive a restart)."""

    def __init__(self, db: Database, timeout: dt.timedelta, update_interval: float = 5) -> None:
        super().__init__(store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=False,
                                                     callback_data=False), update_interval=update_interval)
        self.db = db
        self.timeout = timeout
        self._migrated = False

    async def get_conversations(self, name: str) -> dict:
        if not self._migrated:  # read while the Application initialises, before post_init migrates
            await asyncio.to_thread(self.db.upgrade)
            self._migrated = True
        cutoff = dt.datetime.now(dt.UTC) - self.timeout

        def read(connection: Connection) -> dict:
            live = {}
            for row in connection.execute(_LIVE, {"name": name}).all():
                if _aware(row.updated_at) < cutoff:
                    connection.execute(_DROP, {"name": name, "chat_id": row.chat_id, "user_id": row.user_id})
                elif row.state:
                    live[(row.chat_id, row.user_id)] = row.state
            return live

        return await self.db.run(read, core=True)

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        chat_id, user_id = int(key[0]), int(key[-1])

        def write(session: Session) -> None:
            from bot.db.models import ConversationState

            row = session.get(ConversationState, (name, chat_id, user_id))
            if new_state is None:
                if row is not None:
                    session.delete(row)
            elif row is None or row.state != str(new_state):
                save_draft(session, name, chat_id, user_id, str(new_state), json.loads(row.data) if row else {})

        await self.db.run(write)

    # Nothing else is stored.
    async def get_user_data(self) -> dict:
        return {}

    async def get_chat_data(self) -> dict:
        return {}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_user_data(self, user_id: int, data: object) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: object) -> None:
        return None

    async def update_bot_data(self, data: object) -> None:
        return None

    async def update_callback_data(self, data: object) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: object) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: object) -> None:
        return None

    async def refresh_bot_data(self, bot_data: object) -> None:
        return None

    async def flush(self) -> None:
        return None
