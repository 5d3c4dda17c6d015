"""Where the office serves: the region an admin set in chat, else BOT_REGION, else the place most registered
units share. A unit name without a place (教育局, 狮山镇) is read as a unit of this region."""
from __future__ import annotations

import threading
import time
from collections import Counter
from typing import TYPE_CHECKING

from knowledge.text import compact
from knowledge.units import parse_unit

if TYPE_CHECKING:
    from sqlmodel import Session

REGION_KEY = "region"
_CACHE_SECONDS = 60.0
_SAMPLE = 5000  # units read to find the most shared place
_lock = threading.Lock()
_cache: dict[str, tuple[int, float, str]] = {}
_configured = [""]
_inferred_from: list = [None, ""]  # (database, registry writes here, units' count and highest id; the place)


def configure(region: str) -> None:
    """BOT_REGION from the settings, set once at start-up (callers may still pass their own)."""
    _configured[0] = compact(region or "")


def _key(configured: str | None) -> str:
    """BOT_REGION as the caller gives it, else as configured at start-up."""
    return compact(configured) if configured else _configured[0]


def known_region(configured: str | None = None) -> str | None:
    """The region if this process worked it out less than a minute ago and has not written to the registry
    since, else None: a question asked in the meantime needs no trip to the database threads."""
    from bot.registry.audit import Generation

    with _lock:
        hit = _cache.get(_key(configured))
    if hit and hit[0] == Generation.value and time.monotonic() - hit[1] < _CACHE_SECONDS:
        return hit[2]
    return None


class OfficeRegion(str):
    """The region of an office under the home office (武定县 in 武定县's office): names its people write without a
    place are read in it, whatever the home office's own region (/region, BOT_REGION) is."""


def home_region(session: Session, configured: str | None = None) -> str:
    """The region names without a place are read in: an office's own (`OfficeRegion`) as given; else the region an
    admin set in chat, else BOT_REGION (`configured`), else the place most registered units share."""
    from bot.db.models import Setting
    from bot.registry.audit import Generation

    if isinstance(configured, OfficeRegion):
        return configured
    known = known_region(configured)
    if known is not None:
        return known
    configured = _key(configured)
    now = time.monotonic()
    stored = session.get(Setting, REGION_KEY)
    region = (stored.value if stored and stored.value else "") or configured or _inferred(session)
    with _lock:
        _cache[configured] = (Generation.value, now, region)
    return region


def _inferred(session: Session) -> str:
    """The place most registered units name (武定县 when most units are 武定县…). Worked out again only when units
    were changed by this process or added or removed by another: reading 5,000 names takes ~25 ms of the bot's
    CPU, which the person whose lookup found the minute's cache expired would otherwise wait for."""
    from sqlalchemy import func
    from sqlmodel import select

    from bot.db.models import Unit
    from bot.registry.audit import Generation

    engine = session.get_bind()
    fingerprint = (id(engine), str(engine.url), Generation.value,
                   *session.exec(select(func.count(), func.max(Unit.id))).one())
    with _lock:
        if _inferred_from[0] == fingerprint:
            return _inferred_from[1]
    # the home office's own units say where it is (its counties' units, once offices are added, would say a county)
    names = session.exec(select(Unit.name).where(Unit.office_id.is_(None)).limit(_SAMPLE)).all() or \
        session.exec(select(Unit.name).limit(_SAMPLE)).all()
    places = Counter()
    for name in names:
        unit = parse_unit(name)
        if unit.place_full:
            places["".join(p.name for p in unit.regions) + unit.place_full if unit.place else unit.place_name] += 1
    region = places.most_common(1)[0][0] if places else ""
    with _lock:
        _inferred_from[:] = [fingerprint, region]
    return region


def set_region(session: Session, region: str, actor: str) -> str:
    """An admin sets the office's region in chat; '' goes back to BOT_REGION or the inferred place."""
    from bot.db.models import Setting, utcnow
    from bot.registry.audit import Generation, audit

    text = compact(region)[:200]
    row = session.get(Setting, REGION_KEY)
    before = row.value if row else ""
    if text and not parse_unit(text + "人民政府").place_full:
        from knowledge.examples import MODEL_REGION, localize

        example = localize(MODEL_REGION, before or _configured[0])  # the office's own place written out
        raise ValueError(f"没有认出“{text[:50]}”这个地方，请写完整，例如 {example}")
    if row is None:
        row = Setting(key=REGION_KEY)
    row.value, row.updated_by, row.updated_at = text, actor, utcnow()
    session.add(row)
    session.flush()
    audit(session, actor, "update", "setting", 0, "region", {"region": before}, {"region": text})
    Generation.bump()
    return text
