"""The clean-up's order is kept: a notice before a cancellation, no revival of a cancelled domain, no future
dates, 主域名 only on a domain in use — refused with the reason, confirmable where an office may have one."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.config.settings import office_today
from bot.db.models import Domain
from bot.registry.edits import ensure_unit, record_domain, set_primary, set_status
from bot.registry.lookup import RegistryError


def _status(db, name: str) -> str:
    return db.call(lambda s: s.exec(select(Domain.status).where(Domain.name == name)).one())


@pytest.fixture
def registry(db):
    def work(s):
        unit = ensure_unit(s, "武定县财政局", "test")
        record_domain(s, unit, "www.wdczj.cn", "test", "在用")
        record_domain(s, unit, "czj.wuding.gov.cn", "test", "在用")
    db.call(work)
    return db


def test_a_domain_in_use_is_not_cancelled_without_its_notice(registry):
    with pytest.raises(RegistryError, match="公告 3 个月后再注销"):
        registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "已注销"))
    assert _status(registry, "www.wdczj.cn") == "在用"
    registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "已注销", confirmed=True))
    assert _status(registry, "www.wdczj.cn") == "已注销"


def test_a_notice_runs_three_months_before_the_cancellation(registry):
    start = office_today() - dt.timedelta(days=30)
    registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "公告中", start))
    with pytest.raises(RegistryError, match="公告期到 .* 才满 3 个月"):
        registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "已注销", start + dt.timedelta(days=4)))
    assert _status(registry, "www.wdczj.cn") == "公告中"


def test_a_notice_that_has_run_its_course_allows_the_cancellation(registry):
    start = office_today() - dt.timedelta(days=200)
    registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "公告中", start))
    registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "已注销", start + dt.timedelta(days=120)))
    assert _status(registry, "www.wdczj.cn") == "已注销"


def test_an_idle_domain_is_cancelled_without_a_notice(registry):
    registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "闲置"))
    registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "已注销"))
    assert _status(registry, "www.wdczj.cn") == "已注销"


def test_a_cancelled_domain_is_not_revived_even_when_confirmed(registry):
    registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "闲置"))
    registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "已注销"))
    for wanted in ("在用", "公告中"):
        with pytest.raises(RegistryError, match="已注销，不能改回"):
            registry.call(lambda s, w=wanted: set_status(s, "www.wdczj.cn", "t", w, confirmed=True))
    assert _status(registry, "www.wdczj.cn") == "已注销"


def test_a_future_date_is_refused(registry):
    tomorrow = office_today() + dt.timedelta(days=1)
    with pytest.raises(RegistryError, match="还没到"):
        registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "公告中", tomorrow, confirmed=True))
    assert _status(registry, "www.wdczj.cn") == "在用"


def test_going_back_a_step_asks_for_confirmation(registry):
    registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "公告中"))
    with pytest.raises(RegistryError, match="往回走"):
        registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "在用"))
    registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "在用", confirmed=True))
    assert _status(registry, "www.wdczj.cn") == "在用"


def test_only_a_domain_in_use_becomes_the_primary(registry):
    registry.call(lambda s: set_primary(s, "czj.wuding.gov.cn", "t"))
    registry.call(lambda s: set_status(s, "www.wdczj.cn", "t", "公告中"))
    with pytest.raises(RegistryError, match="只有在用的域名可以设为主域名"):
        registry.call(lambda s: set_primary(s, "www.wdczj.cn", "t"))
    primary = registry.call(lambda s: s.exec(select(Domain.name).where(Domain.is_primary)).all())
    assert primary == ["czj.wuding.gov.cn"]
