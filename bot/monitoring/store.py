"""Reading monitoring results for /status, /history and the report. Kept apart from the probes so that the
bot's start (which imports the handlers) does not load dnspython."""
from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from bot.db.models import Domain, MonitorEvent, MonitorFinding, MonitorTarget, Unit


def open_findings(session: Session, names: list[str]) -> dict[str, list[MonitorFinding]]:
    if not names:
        return {}
    rows = session.exec(select(MonitorTarget.name, MonitorFinding).join(MonitorFinding, MonitorFinding.target_id == MonitorTarget.id)
                        .where(MonitorTarget.name.in_(names), MonitorFinding.status == "open")).all()
    out: dict[str, list[MonitorFinding]] = {}
    for name, finding in rows:
        out.setdefault(name, []).append(finding)
    return out


def events_for(session: Session, name: str, limit: int = 20) -> list[MonitorEvent]:
    target = session.exec(select(MonitorTarget).where(MonitorTarget.name == name)).first()
    if target is None:
        return []
    return list(session.exec(select(MonitorEvent).where(MonitorEvent.target_id == target.id)
                             .order_by(MonitorEvent.at.desc(), MonitorEvent.id.desc()).limit(limit)).all())


MONITOR_HEADERS = ("单位名称", "域名", "监测问题", "依据", "首次发现", "最近检查")


def monitor_rows(session: Session, tz=dt.UTC) -> list[list[object]]:
    """Open findings of registered domains, for the report's 域名监测 sheet."""
    rows = session.exec(select(Unit.name, MonitorTarget.name, MonitorFinding)
                        .join(MonitorTarget, MonitorFinding.target_id == MonitorTarget.id)
                        .join(Domain, Domain.id == MonitorTarget.domain_id).join(Unit, Unit.id == Domain.unit_id)
                        .where(MonitorFinding.status == "open").order_by(Unit.name, MonitorTarget.name)).all()

    def day(value: dt.datetime) -> dt.date:
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(tz).date()

    return [[unit, name, f.message, f.basis, day(f.first_seen), day(f.last_seen)] for unit, name, f in rows]
