"""Chats the bot knows: remembered on contact, moved when Telegram migrates a group, made inactive when blocked."""
from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from bot.db.models import Chat, Delivery, utcnow


def deactivate_chat(session: Session, chat_id: int) -> None:
    chat = session.get(Chat, chat_id)
    if chat is not None:
        chat.active, chat.updated_at = False, utcnow()
        session.add(chat)
    session.execute(update(Delivery).where(Delivery.chat_id == chat_id, Delivery.status == "pending")
                    .values(status="failed", last_error="chat inactive (bot blocked or removed)"))


def migrate_chat(session: Session, old_id: int, new_id: int) -> bool:
    """A group became a supergroup (the migration update, or Telegram's 400 naming `migrate_to_chat_id`): carry
    its subscription, digest and unit or office binding to the new id, and its queued messages, once. When the new chat is
    already known (someone wrote there first, or it was subscribed again) the two are merged; a queued message the
    new chat already has (the same broadcast, reminder or digest) is cancelled, not sent twice. Returns whether
    anything moved (False: done before)."""
    if old_id == new_id:
        return False
    old, new = session.get(Chat, old_id), session.get(Chat, new_id)
    moved = False
    if old is not None and (old.active or old.subscribed or old.digest or old.unit_id is not None
                            or old.office_id is not None):
        if new is None:
            new = Chat(id=new_id, title=old.title, type="supergroup", subscribed=old.subscribed, digest=old.digest,
                       active=True, unit_id=old.unit_id, office_id=old.office_id)
        else:
            new.subscribed, new.digest = new.subscribed or old.subscribed, new.digest or old.digest
            if new.unit_id is None and new.office_id is None:  # one binding: the new chat's own, else the old's
                new.unit_id, new.office_id = old.unit_id, old.office_id
            new.active, new.type, new.updated_at = True, "supergroup", utcnow()
        session.add(new)
        old.active, old.subscribed, old.digest, old.unit_id, old.updated_at = False, False, False, None, utcnow()
        old.office_id = None
        session.add(old)
        moved = True
    old_tail, new_tail = f":c{old_id}", f":c{new_id}"
    queued = session.exec(select(Delivery).where(Delivery.chat_id == old_id,
                                                 Delivery.status.in_(("pending", "sending")))).all()
    for row in queued:
        key = row.key[:-len(old_tail)] + new_tail if row.key.endswith(old_tail) else row.key
        twin = key != row.key and session.exec(select(Delivery.id).where(Delivery.key == key)).first() is not None
        if twin:
            row.status, row.claimed_by = "cancelled", ""
            row.last_error = f"chat migrated to {new_id}, which has this message already"
        else:
            row.chat_id, row.key = new_id, key[:200]
        session.add(row)
        moved = True
    return moved


def remember_chat(session: Session, chat_id: int, title: str, chat_type: str, **changes: object) -> Chat:
    chat = session.get(Chat, chat_id)
    if chat is None:
        chat = Chat(id=chat_id, title=title[:200], type=chat_type)
    chat.title, chat.type, chat.active, chat.updated_at = title[:200] or chat.title, chat_type, True, utcnow()
    for key, value in changes.items():
        setattr(chat, key, value)
    session.add(chat)
    return chat
