"""The audit trail of registry changes, and the write counter that read caches watch."""
from __future__ import annotations

import datetime as dt

import orjson
from sqlmodel import Session

from bot.db.models import AuditLog

AUDITED_DOMAIN_FIELDS = ("unit_id", "unicode", "is_primary", "status", "registrar", "registered_on", "expires_on",
                         "changed_on", "icp_number", "gov_site_mark", "psb_number", "notes")


class Generation:
    """Counts this process's writes to the registry, so read caches know when to drop what they hold.
    (Writes by other processes are caught by the caches' time limit.)"""

    value = 0

    @classmethod
    def bump(cls) -> None:
        cls.value += 1


def last_change(session: Session) -> int:
    """The newest audit row's id: every registry change, by any process, writes one (one index lookup)."""
    from sqlalchemy import func
    from sqlmodel import select

    return session.exec(select(func.max(AuditLog.id))).one() or 0


def jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def dumps(value: dict) -> str:
    """An audit entry's before/after as JSON text (UTF-8 as it is, no spaces): the one format every writer of the
    audit trail uses, the chat's edits and a 100,000-row import alike (orjson: ~10x the standard library)."""
    return orjson.dumps(value).decode()


def snapshot(row: object, fields: tuple[str, ...]) -> dict:
    return {f: jsonable(getattr(row, f)) for f in fields}


def audit(session: Session, actor: str, action: str, entity: str, entity_id: int, summary: str,
          before: dict | None, after: dict | None) -> None:
    session.add(AuditLog(actor=actor, action=action, entity=entity, entity_id=entity_id, summary=summary[:400],
                         before=dumps(before) if before else "", after=dumps(after) if after else ""))
