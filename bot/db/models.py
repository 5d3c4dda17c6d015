"""Database tables (SQLModel). The schema is managed by Alembic migrations in bot/migrations."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Unit(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)  # full name
    short_name: str = Field(default="", max_length=100)
    kind: str = Field(default="department", max_length=32)
    region: str = Field(default="", max_length=200)
    parent_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Domain(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    name: str = Field(index=True, unique=True, max_length=253)  # ASCII (punycode) lower case
    unicode: str = Field(default="", max_length=253)
    is_chinese: bool = False
    is_primary: bool = False
    status: str = Field(default="在用", max_length=16)  # knowledge.registry_model.Status: the life, not compliance
    kind: str = Field(default="", max_length=32)  # '' = the unit's kind; 'system' for a department's business system
    registrar: str = Field(default="", max_length=200)
    registered_on: Optional[dt.date] = None
    expires_on: Optional[dt.date] = None
    changed_on: Optional[dt.date] = None  # when the status last changed: the event deadlines count from
    icp_number: str = Field(default="", max_length=100)
    gov_site_mark: str = Field(default="", max_length=100)  # 党政机关网站标识
    psb_number: str = Field(default="", max_length=100)  # 公安备案号
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Contact(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_contact_unit_name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    name: str = Field(index=True, max_length=100)
    phone: str = Field(default="", max_length=50)
    email: str = Field(default="", max_length=200)
    telegram_id: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True, index=True))
    updated_at: dt.datetime = Field(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=100)  # telegram:<id>, cli, import
    action: str = Field(max_length=50)
    entity: str = Field(max_length=20)  # unit, domain, contact
    entity_id: int
    summary: str = Field(default="", max_length=400)  # e.g. the domain name, for /history
    before: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # JSON
    after: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # JSON


class Admin(SQLModel, table=True):
    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    granted_by: str = Field(default="", max_length=100)
    granted_at: dt.datetime = Field(default_factory=utcnow)


class Invite(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=64)
    unit_id: int = Field(foreign_key="unit.id")
    contact_id: Optional[int] = Field(default=None, foreign_key="contact.id")
    created_by: str = Field(default="", max_length=100)
    expires_at: dt.datetime
    used_by: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    used_at: Optional[dt.datetime] = None


class Chat(SQLModel, table=True):
    """A chat the bot posts to: subscribed groups get broadcasts and campaign reminders."""
    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    title: str = Field(default="", max_length=200)
    type: str = Field(default="group", max_length=20)
    subscribed: bool = False
    digest: bool = False
    active: bool = True  # False once Telegram says the bot was blocked or removed
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Setting(SQLModel, table=True):
    """Settings an admin changes in chat (e.g. the office's region), overriding the environment's."""
    key: str = Field(primary_key=True, max_length=50)
    value: str = Field(default="", max_length=400)
    updated_by: str = Field(default="", max_length=100)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Holiday(SQLModel, table=True):
    """An admin-entered day of the official schedule for a year the calendar package does not know yet."""
    day: dt.date = Field(primary_key=True)
    is_workday: bool  # True: a weekend day worked (调休上班); False: a day off
    entered_by: str = Field(default="", max_length=100)
    entered_at: dt.datetime = Field(default_factory=utcnow)


class Deadline(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, max_length=200)  # what makes it unique: rule, entity, event date
    title: str = Field(max_length=400)
    rule: str = Field(default="", max_length=50)
    basis: str = Field(default="", max_length=400)
    due: dt.date = Field(index=True)
    provisional: bool = False
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    domain_id: Optional[int] = Field(default=None, foreign_key="domain.id")
    audience: str = Field(default="unit", max_length=20)  # unit | groups
    status: str = Field(default="open", max_length=10, index=True)  # open | done
    done_by: str = Field(default="", max_length=100)
    done_at: Optional[dt.datetime] = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class Delivery(SQLModel, table=True):
    """The outbox: one row per message to send (reminder, overdue notice, broadcast, one-off)."""
    __table_args__ = (Index("ix_delivery_due", "status", "due_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)  # e.g. deadline:12:offset:5:chat:-100123
    kind: str = Field(default="reminder", max_length=20)  # reminder | overdue | broadcast | oneoff | digest | notice
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    text: str = Field(sa_column=Column(Text, nullable=False))
    deadline_id: Optional[int] = Field(default=None, foreign_key="deadline.id", index=True)
    due_at: dt.datetime
    status: str = Field(default="pending", max_length=10)  # pending | sending | sent | failed | cancelled
    attempts: int = 0
    next_attempt_at: Optional[dt.datetime] = None
    claimed_by: str = Field(default="", max_length=100)
    claimed_at: Optional[dt.datetime] = None
    sent_at: Optional[dt.datetime] = None
    late: bool = False
    last_error: str = Field(default="", max_length=400)
