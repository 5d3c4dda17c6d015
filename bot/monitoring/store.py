"""Reading monitoring results for /status, /history and the report. Kept apart from the probes so that the
bot's start (which imports the handlers) does not load dnspython."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, select

from bot.db.models import Domain, MonitorEvent, MonitorFinding, MonitorTarget, Unit
from knowledge.monitoring import finding_clause, finding_urgency


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


def monitor_rows(session: Session, tz=dt.UTC, scope=None) -> list[list[object]]:
    """Open findings of registered domains, for the report's 域名监测 sheet (`scope`, a UnitScope: an office's
    units only)."""
    query = (select(Unit.name, MonitorTarget.name, MonitorFinding)
             .join(MonitorTarget, MonitorFinding.target_id == MonitorTarget.id)
             .join(Domain, Domain.id == MonitorTarget.domain_id).join(Unit, Unit.id == Domain.unit_id)
             .where(MonitorFinding.status == "open"))
    if scope is not None:
        query = query.where(scope.clause())
    rows = session.exec(query.order_by(Unit.name, MonitorTarget.name)).all()

    def day(value: dt.datetime) -> dt.date:
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(tz).date()

    return [[unit, name, f.message, f.basis, day(f.first_seen), day(f.last_seen)] for unit, name, f in rows]


@dataclass(frozen=True)
class UrgentFinding:
    urgency: int
    unit: str
    domain: str
    finding: MonitorFinding


@dataclass
class MonitorStanding:
    """Open findings of registered domains in a scope: domains with findings per unit kind and clause, and the
    urgent findings, most urgent first."""
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)  # kind → 五（三）/五（四） → domains
    total: dict[str, int] = field(default_factory=dict)  # 五（三）/五（四） → domains
    urgent: list[UrgentFinding] = field(default_factory=list)


def monitor_standing(session: Session, unit_ids: list[int] | None = None) -> MonitorStanding:
    """`unit_ids`: only these units (None: all)."""
    query = (select(Unit.kind, Unit.name, MonitorTarget.name, MonitorFinding)
             .join(MonitorTarget, MonitorFinding.target_id == MonitorTarget.id)
             .join(Domain, Domain.id == MonitorTarget.domain_id).join(Unit, Unit.id == Domain.unit_id)
             .where(MonitorFinding.status == "open"))
    if unit_ids is not None:
        query = query.where(Unit.id.in_(unit_ids))
    domains: dict[tuple[str, str], set[str]] = {}
    standing = MonitorStanding()
    for kind, unit, name, finding in session.exec(query).all():
        clause = finding_clause(finding.basis)
        if clause:
            domains.setdefault((kind, clause), set()).add(name)
        urgency = finding_urgency(finding.code, finding.variant)
        if urgency is not None:
            standing.urgent.append(UrgentFinding(urgency, unit, name, finding))
    for (kind, clause), names in domains.items():
        standing.by_kind.setdefault(kind, {})[clause] = len(names)
    for clause in {c for _, c in domains}:
        standing.total[clause] = len(set().union(*(n for (_, c), n in domains.items() if c == clause)))
    standing.urgent.sort(key=lambda u: (u.urgency, u.finding.first_seen, u.unit, u.domain))
    return standing
