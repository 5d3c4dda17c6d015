"""Database tables (SQLModel). The schema is managed by Alembic migrations in bot/db/migrations."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import BigInteger, Column, Float, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Office(SQLModel, table=True):
    """An office under the deployment's home office: a county's (or a prefecture's) 人民政府办公室, or a prefecture's
    own departments as a group, each with its admins, groups and units. The home office has no row: it is the
    deployment itself (its region, BOT_ADMIN_IDS), and None in every office_id column means it, so a database
    that adds no office is exactly what it was. `code` is the place's division code: units are read into
    offices by their place (bot/offices)."""
    __table_args__ = (UniqueConstraint("code", "group", name="uq_office_place"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=12)
    region: str = Field(default="", max_length=200)  # the place as written when added: 武定县, 利川市
    group: str = Field(default="", max_length=20)  # '' or 'departments' (the prefecture's own departments)
    parent_id: Optional[int] = Field(default=None, foreign_key="office.id", index=True)  # None: under the home office
    created_by: str = Field(default="", max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow)


class Unit(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    office_id: Optional[int] = Field(default=None, foreign_key="office.id", index=True)  # None: the home office
    name: str = Field(index=True, unique=True, max_length=200)  # full name
    short_name: str = Field(default="", max_length=100)
    kind: str = Field(default="department", max_length=32)
    region: str = Field(default="", max_length=200)
    parent_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Domain(SQLModel, table=True):
    """A site: a host and a path ('' = the whole host; '/shishan' = a column of the host's site, which may be
    another unit's: a town's page on the county portal). knowledge.domains.site_path normalises the path."""
    __table_args__ = (UniqueConstraint("name", "path", name="uq_domain_site"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    name: str = Field(max_length=253)  # the host: ASCII (punycode) lower case; looked up through uq_domain_site
    path: str = Field(default="", max_length=500)
    site_name: str = Field(default="", max_length=200)  # 网站名称 as the office wrote it
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
    office_id: Optional[int] = Field(default=None, foreign_key="office.id", index=True)  # None: the home office
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
    office_id: Optional[int] = Field(default=None, foreign_key="office.id", index=True)  # an office's own group
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
    audience: str = Field(default="unit", max_length=20)  # unit | groups (the home's campaign step) | office
    office_id: Optional[int] = Field(default=None, foreign_key="office.id", index=True)  # an office's campaign step
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
    status: str = Field(default="pending", max_length=10)  # pending | sending | sent | failed | cancelled | uncertain
    attempts: int = 0
    next_attempt_at: Optional[dt.datetime] = None
    claimed_by: str = Field(default="", max_length=100)
    claimed_at: Optional[dt.datetime] = None
    sent_at: Optional[dt.datetime] = None
    late: bool = False
    last_error: str = Field(default="", max_length=400)
    started_at: Optional[dt.datetime] = None  # the send began: from here Telegram may have it (never resent blindly)
    message_id: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # Telegram's, once sent


class CommandReceipt(SQLModel, table=True):
    """A command that creates something (a broadcast, a reminder, an application), by what it asked: the same
    request again within the window (a retry after 数据库暂时不可用, a re-delivered update) gets this answer and
    creates nothing new."""
    __tablename__ = "command_receipt"
    key: str = Field(primary_key=True, max_length=80)
    at: dt.datetime
    answer: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class UpdateInbox(SQLModel, table=True):
    """Updates taken over from Telegram and not yet handled (bot/runtime/inbox.py): written before Telegram is
    told it has them (webhook: before the 200; polling: before the offset moves past them), deleted once handled.
    A process that dies leaves its rows; a live one takes them over. Times are seconds since the epoch."""
    __tablename__ = "update_inbox"
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    claimed_by: str = Field(default="", max_length=100)
    claimed_at: float = Field(sa_column=Column(Float(precision=53), nullable=False))


class WorkerBeat(SQLModel, table=True):
    """Each running bot process, and when it last said it was alive (seconds since the epoch): updates held by a
    process that stopped beating are taken over; those of a live one never are."""
    __tablename__ = "worker_beat"
    worker: str = Field(primary_key=True, max_length=100)
    seen_at: float = Field(sa_column=Column(Float(precision=53), nullable=False))


class SendPace(SQLModel, table=True):
    """Telegram's send budget, shared by every process on this database: the earliest time (seconds since the
    epoch, the database's clock on PostgreSQL) the next message under `key` may go ('all', or 'c<chat id>')."""
    __tablename__ = "send_pace"
    key: str = Field(primary_key=True, max_length=40)
    next_at: float = Field(sa_column=Column(Float(precision=53), nullable=False))


# -- domain applications (issue 15) ---------------------------------------------------------------------------
class Application(SQLModel, table=True):
    """An application under 三、注册、注销流程: the filled form, its approval route and where it stands."""
    id: Optional[int] = Field(default=None, primary_key=True)
    action: str = Field(max_length=20)  # register | cancel | change_holder | change_contact
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    unit_name: str = Field(max_length=200)
    spec: str = Field(sa_column=Column(Text, nullable=False))  # JSON: knowledge.applications.Spec.to_json()
    route: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of steps
    basis: str = Field(default="", max_length=100)
    step: int = 0  # index into route of the step in hand
    step_since: dt.datetime = Field(default_factory=utcnow)
    status: str = Field(default="open", max_length=12, index=True)  # open | approved | rejected
    created_by: str = Field(default="", max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow)
    closed_at: Optional[dt.datetime] = None


class ApplicationEvent(SQLModel, table=True):
    __tablename__ = "application_event"
    id: Optional[int] = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    at: dt.datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=100)
    kind: str = Field(max_length=20)  # created | advanced | rejected | attached | completed | reminded
    step: int = 0
    note: str = Field(default="", max_length=400)
    file_id: str = Field(default="", max_length=200)  # a returned document (Telegram file id)
    file_name: str = Field(default="", max_length=200)


class ConversationState(SQLModel, table=True):
    """Where a guided conversation stands, and its answers so far: survives restarts."""
    __tablename__ = "conversation_state"
    name: str = Field(primary_key=True, max_length=50)
    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    state: str = Field(default="", max_length=50)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    updated_at: dt.datetime = Field(default_factory=utcnow)


class CampaignRecord(SQLModel, table=True):
    """A campaign an admin added, edited or ended (the shipped ones live in knowledge/data/campaigns; a row
    with the same key overrides or ends one)."""
    __tablename__ = "campaign"
    key: str = Field(primary_key=True, max_length=80)
    title: str = Field(default="", max_length=200)
    source: str = Field(default="", max_length=200)  # 文号
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # the campaign as YAML
    office_id: Optional[int] = Field(default=None, foreign_key="office.id", index=True)  # None: the home office's
    active: bool = True
    updated_by: str = Field(default="", max_length=100)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class MonitorTarget(SQLModel, table=True):
    """A domain under monitoring (registered or checked by hand): when it is next due, who holds it, and the last
    known good state (NS, addresses, countries, networks) that hijack signals are compared with."""
    __tablename__ = "monitor_target"
    __table_args__ = (Index("ix_monitor_target_due", "next_due_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=253)
    domain_id: Optional[int] = Field(default=None, foreign_key="domain.id", index=True)
    next_due_at: Optional[dt.datetime] = None
    claimed_by: str = Field(default="", max_length=100)
    claimed_at: Optional[dt.datetime] = None
    last_run_at: Optional[dt.datetime] = None
    last_good: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # JSON
    last_answered_at: Optional[dt.datetime] = None  # the site last answered on 80 or 443
    silent_since: Optional[dt.datetime] = None  # first run of the current stretch without an answer


class MonitorRun(SQLModel, table=True):
    __tablename__ = "monitor_run"
    __table_args__ = (Index("ix_monitor_run_target", "target_id", "at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="monitor_target.id")
    at: dt.datetime
    worker: str = Field(default="", max_length=100)
    resolves: bool = False
    codes: str = Field(default="", max_length=400)  # finding codes, comma-separated
    result: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # JSON as `monitor --json`


class MonitorFinding(SQLModel, table=True):
    """A finding while it lasts: opened by the first run that sees it (and alerted once), closed by the first that
    does not."""
    __tablename__ = "monitor_finding"
    __table_args__ = (Index("ix_monitor_finding_open", "target_id", "status"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="monitor_target.id")
    code: str = Field(max_length=40)
    variant: str = Field(default="", max_length=40)  # e.g. the certificate alert step: 30, 14, 7
    status: str = Field(default="open", max_length=10)  # open | closed
    message: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    basis: str = Field(default="", max_length=40)
    first_seen: dt.datetime
    last_seen: dt.datetime
    closed_at: Optional[dt.datetime] = None


class MonitorEvent(SQLModel, table=True):
    """A change seen by monitoring, with before and after (answers, NS, findings opened and closed)."""
    __tablename__ = "monitor_event"
    __table_args__ = (Index("ix_monitor_event_target", "target_id", "at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="monitor_target.id")
    at: dt.datetime
    kind: str = Field(max_length=40)
    before: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    after: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
