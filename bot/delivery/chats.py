"""Chats the bot knows: remembered on contact, moved when Telegram migrates a group, made inactive when blocked."""
from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from bot.db.models import Chat, Delivery, utcnow


def deactivate_chat(session: Session, chat_id: int) -> None:
    chat = session.get(Chat, chat_id)
    if chat is not None:
        chat.active, chat.updated_at = False, utcnow()
        session.add(chat)
    session.execute(update(Delivery).where(Delivery.chat_id == chat_id, Delivery.status == "pending")
                    .values(status="failed", last_error="chat inactive (bot blocked or removed)"))


def migrate_chat(session: Session, old_id: int, new_id: int) -> None:
    """A group became a supergroup: carry its settings and its queued messages to the new id."""
    old = session.get(Chat, old_id)
    if old is not None and session.get(Chat, new_id) is None:
        session.add(Chat(id=new_id, title=old.title, type="supergroup", subscribed=old.subscribed, digest=old.digest,
                         active=True, unit_id=old.unit_id))
        old.active, old.subscribed = False, False
        session.add(old)
    session.execute(update(Delivery).where(Delivery.chat_id == old_id, Delivery.status.in_(("pending", "sending")))
                    .values(chat_id=new_id))


def remember_chat(session: Session, chat_id: int, title: str, chat_type: str, **changes: object) -> Chat:
    chat = session.get(Chat, chat_id)
    if chat is None:
        chat = Chat(id=chat_id, title=title[:200], type=chat_type)
    chat.title, chat.type, chat.active, chat.updated_at = title[:200] or chat.title, chat_type, True, utcnow()
    for key, value in changes.items():
        setattr(chat, key, value)
    session.add(chat)
    return chat
