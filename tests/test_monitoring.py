"""Domain monitoring against a real DNS server and a real TLS server on 127.0.0.1: nothing leaves the loopback
range (a guard refuses any other address, and records it)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.config.settings import load_settings
from tests.support.app import polling_bot
from tests.support.monitor_servers import LocalDNS, LocalWeb, loopback_only, make_certificates, zone_lines
from tests.support.monitor_servers import monitor_cli as _cli
from tests.support.monitor_servers import register as _registered
from tests.support.monitor_servers import result_codes as _codes

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("certs")
    ca, certs = make_certificates(folder, {
        "good": (["www.wuding.gov.cn", "wuding.gov.cn", "www.single.gov.cn", "www.moving.gov.cn", "www.big.gov.cn",
                  "www.redirected.gov.cn", "www.abroad.gov.cn"], 90, False),
        "expiring": (["www.expiring.gov.cn"], 5, False),
        "wrong": (["other.example.cn"], 90, False),
        "self": (["www.selfsigned.gov.cn"], 90, True),
    })
    by_name = {"www.expiring.gov.cn": "expiring", "www.wrongname.gov.cn": "wrong", "www.selfsigned.gov.cn": "self"}
    web = LocalWeb(certs, by_name, {"www.redirected.gov.cn": "https://www.casino-example.com/"}).start()
    dns = LocalDNS().start()
    yield dns, web, ca
    dns.stop()
    web.stop()


@pytest.fixture
def guard(monkeypatch):
    refused = loopback_only(monkeypatch)
    yield refused
    assert not refused, f"a test tried to reach {refused}"


@pytest.fixture
def env(servers, guard, monkeypatch, tmp_path):
    dns, web, ca = servers
    dns.zones.records.clear()
    dns.zones.set(*zone_lines())
    dns.zones.servfail = {"broken.gov.cn", "www.broken.gov.cn"}
    dns.zones.silent = {"www.slow.gov.cn", "slow.gov.cn"}
    dns.zones.truncate = {"www.big.gov.cn"}
    values = {"MONITOR_RESOLVERS": dns.address, "MONITOR_HTTPS_PORT": str(web.https_port),
              "MONITOR_HTTP_PORT": str(web.http_port), "MONITOR_PROBE_NETWORKS": "127.0.0.0/8",
              "MONITOR_CA_FILE": str(ca), "MONITOR_WHOIS": "off", "MONITOR_TIMEOUT": "0.5", "MONITOR_RETRIES": "0",
              "MONITOR_LOOKALIKE_LIMIT": "60", "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}",
              "BOT_ADMIN_IDS": "42"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return dns


def test_a_compliant_domain_passes_with_the_json_contract(env, capsys):
    code, result = _cli(capsys, "www.wuding.gov.cn", "--no-lookalikes")
    assert set(result) >= {"domain", "resolves", "ns", "addresses", "https", "lookalikes", "findings"}
    assert code == 0, result["findings"]
    assert result["resolves"] is True and result["domain"] == "www.wuding.gov.cn"
    assert {(n["host"], n["provider"], n["country"]) for n in result["ns"]} == {
        ("ns1.dnspod.net", "DNSPod（腾讯云）", "CN"), ("ns2.dnspod.net", "DNSPod（腾讯云）", "CN")}
    assert result["addresses"] == [{"ip": "127.0.0.1", "country": "--", "cdn": ""}]
    assert result["https"]["ok"] is True and "www.wuding.gov.cn" in result["https"]["names"]
    assert dt.date.fromisoformat(result["https"]["expires"]) > dt.date.today() + dt.timedelta(days=80)


@pytest.mark.parametrize(("domain", "expected"), [
    ("www.single.gov.cn", {"ns_single"}),
    ("www.abroad.gov.cn", {"host_abroad"}),
    ("www.cdnsite.gov.cn", {"cdn_abroad"}),
    ("www.nothere.gov.cn", {"not_resolving"}),
    ("www.broken.gov.cn", {"not_resolving"}),
    ("www.slow.gov.cn", {"not_resolving"}),
    ("www.expiring.gov.cn", {"cert_expiring"}),
    ("www.wrongname.gov.cn", {"cert_invalid"}),
    ("www.selfsigned.gov.cn", {"cert_invalid"}),
    ("www.redirected.gov.cn", {"redirect_offsite"}),
    ("www.big.gov.cn", set()),
])
def test_each_kind_of_domain_gets_its_findings(env, capsys, domain, expected):
    code, result = _cli(capsys, domain, "--no-lookalikes")
    assert _codes(result) == expected, result
    assert code == (1 if expected else 0)


def test_foreign_addresses_are_classified_never_probed(env, capsys, guard):
    _, result = _cli(capsys, "www.abroad.gov.cn", "--no-lookalikes")
    assert result["addresses"] == [{"ip": "8.8.8.8", "country": "US", "cdn": ""}]
    assert result["https"]["ok"] is None  # outside MONITOR_PROBE_NETWORKS: no connection
    assert "境外" in result["findings"][0]["basis"] or result["findings"][0]["basis"] == "五（三）"
    assert not guard
    from sqlmodel import select

    from bot.db.models import Delivery
    from bot.db.storage import Database

    db = Database(load_settings().database_url)
    assert db.call(lambda s: s.exec(select(Delivery)).all()) == []  # a domain outside the registry alerts nobody
    db.dispose()


def test_cdn_recognised_from_the_cname_chain(env, capsys):
    _, result = _cli(capsys, "www.cdnsite.gov.cn", "--no-lookalikes", "--no-https")
    assert result["addresses"][0]["cdn"] == "阿里云CDN" and result["addresses"][0]["country"] == "US"


def test_certificate_details_when_the_name_is_wrong(env, capsys):
    _, result = _cli(capsys, "www.wrongname.gov.cn", "--no-lookalikes")
    assert result["https"]["names"] == ["other.example.cn"]
    assert "mismatch" in result["https"]["error"].lower()


def test_truncated_answers_are_read_over_tcp(env, capsys):
    _, result = _cli(capsys, "www.big.gov.cn", "--no-lookalikes", "--no-https")
    assert [a["ip"] for a in result["addresses"]] == ["127.0.0.1", "127.0.0.3"]


def test_an_answer_that_moves_abroad_is_an_event_with_before_and_after(env, capsys):
    code, first = _cli(capsys, "www.moving.gov.cn", "--no-lookalikes")
    assert code == 0, first
    env.zones.set("www.moving.gov.cn. 300 IN A 8.8.8.8")
    code, second = _cli(capsys, "www.moving.gov.cn", "--no-lookalikes")
    assert _codes(second) == {"answer_changed", "host_abroad"}
    message = next(f["message"] for f in second["findings"] if f["code"] == "answer_changed")
    assert "127.0.0.1 → 8.8.8.8" in message


def test_answers_that_differ_between_resolvers(env, capsys, monkeypatch):
    other = LocalDNS().start()
    try:
        other.zones.set(*zone_lines())
        other.zones.set("www.wuding.gov.cn. 300 IN A 127.0.0.9")
        monkeypatch.setenv("MONITOR_RESOLVERS", f"{env.udp.server.server_address[0]}:{env.port},{other.address}")
        code, result = _cli(capsys, "www.wuding.gov.cn", "--no-lookalikes", "--no-https")
        assert _codes(result) == {"answers_differ"} and code == 1
    finally:
        other.stop()


def test_lookalikes_that_resolve_or_hold_ns_are_listed_with_the_registrant(env, capsys, monkeypatch):
    import socketserver
    import threading

    class Whois(socketserver.StreamRequestHandler):
        def handle(self):
            asked = self.rfile.readline().decode().strip()
            answer = "Domain Name: wuding.com\r\nRegistrant: 某某网络科技有限公司\r\n" if asked == "wuding.com" else "No matching record.\r\n"
            self.wfile.write(answer.encode())

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Whois)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("MONITOR_WHOIS", f"127.0.0.1:{server.server_address[1]}")
    try:
        code, result = _cli(capsys, "www.wuding.gov.cn", "--no-https")
    finally:
        server.shutdown()
        server.server_close()
    found = {x["domain"]: (x["addresses"], x["registrant"]) for x in result["lookalikes"]}
    assert found == {"wuding.com": (["8.8.8.8"], "某某网络科技有限公司"), "wudnig.com": ([], "")}
    assert "lookalike_registered" in _codes(result) and code == 1
    _, skipped = _cli(capsys, "www.wuding.gov.cn", "--no-https", "--no-lookalikes")
    assert skipped["lookalikes"] == []


def test_the_registrant_of_a_com_lookalike_comes_from_rdap_through_the_registrar_link(env, capsys, monkeypatch):
    """The registry's record (thin: no registrant) links to the registrar's, which names the registrant; a
    redacted registrant shows nothing. The RDAP base is a setting, so this runs against 127.0.0.1."""
    import http.server
    import threading

    records = {
        "/com/v1/domain/wuding.com": {"objectClassName": "domain", "ldhName": "WUDING.COM", "links": [
            {"rel": "related", "type": "application/rdap+json", "href": "REGISTRAR/domain/wuding.com"}]},
        "/registrar/domain/wuding.com": {"entities": [{"roles": ["registrant"], "vcardArray": ["vcard", [
            ["version", {}, "text", "4.0"], ["fn", {}, "text", "张某"], ["org", {}, "text", "某某网络科技有限公司"]]]}]},
        "/com/v1/domain/wudnig.com": {"entities": [{"roles": ["registrant"], "vcardArray": ["vcard", [
            ["fn", {}, "text", "REDACTED FOR PRIVACY"]]]}]},
    }
    asked = []

    class Rdap(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            record = records.get(self.path)
            body = json.dumps(record).replace("REGISTRAR", base + "/registrar").encode() if record else b"{}"
            self.send_response(200 if record else 404)
            self.send_header("Content-Type", "application/rdap+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Rdap)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("MONITOR_WHOIS", "on")
    monkeypatch.setenv("MONITOR_RDAP_URL", base + "/{tld}/v1")
    monkeypatch.setattr("bot.monitoring.whois.registrant", _no_whois)
    try:
        _, result = _cli(capsys, "www.wuding.gov.cn", "--no-https")
    finally:
        server.shutdown()
        server.server_close()
    found = {x["domain"]: x["registrant"] for x in result["lookalikes"]}
    assert found["wuding.com"] == "某某网络科技有限公司" and found["wudnig.com"] == ""
    assert asked.count("/registrar/domain/wuding.com") == 1  # followed once, from the registry record


async def _no_whois(domain: str, override: str = "", timeout: float = 5.0) -> str:
    raise AssertionError(f"WHOIS asked for {domain}: .com goes to RDAP, and the guard would refuse a registry")


@pytest.mark.parametrize("bad", ["8.8.8.8", "https://www.wuding.gov.cn/index.html", "a" * 300 + ".gov.cn", "[::1]"])
def test_bad_input_is_refused_with_a_chinese_reason(env, capsys, bad):
    from bot.cli import main

    assert main(["monitor", bad]) == 2
    assert any("\u4e00" <= ch <= "\u9fff" for ch in capsys.readouterr().err)


def test_scheduled_runs_claim_once_alert_once_and_close_findings(env, db):
    import asyncio

    from sqlalchemy import text
    from sqlmodel import select

    from bot.db.models import Delivery, MonitorFinding, MonitorTarget
    from bot.monitoring import service

    settings = load_settings(database_url=db.url)

    _registered(db, "武定县人民政府", "portal", ["www.abroad.gov.cn", "www.wuding.gov.cn", "www.single.gov.cn"], 777,
                gone="已注销")
    start = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    assert db.call(lambda s: service.sync_targets(s, settings, start)) == 3
    late = start + dt.timedelta(hours=10)
    first = db.call(lambda s: service.claim_due(s, "a", late, 2))
    second = db.call(lambda s: service.claim_due(s, "b", late, 5))
    assert len(first) == 2 and len(second) == 1 and not {c.id for c in first} & {c.id for c in second}
    db.call(lambda s: s.execute(text("UPDATE monitor_target SET claimed_by=''")))

    checked = asyncio.run(service.run_due(db, settings, "a", lambda: late, lookalikes=False))
    assert checked == 3
    alerts = db.call(lambda s: s.exec(select(Delivery.chat_id, Delivery.text)).all())
    chats = sorted(c for c, _ in alerts)
    assert chats == [42, 42, 777, 777]  # host_abroad and ns_single, to the contact and the admin
    assert all("五（三）" in text for _, text in alerts)
    dues = db.call(lambda s: s.exec(select(MonitorTarget.next_due_at)).all())
    assert all(d.replace(tzinfo=dt.UTC) > late for d in dues)
    db.call(lambda s: s.execute(text("UPDATE domain SET status='已注销' WHERE name='www.single.gov.cn'")))
    db.call(lambda s: service.sync_targets(s, settings, late))
    assert db.call(lambda s: s.exec(select(MonitorTarget.next_due_at).where(MonitorTarget.name == "www.single.gov.cn")).one()) is None
    db.call(lambda s: s.execute(text("UPDATE domain SET status='在用' WHERE name='www.single.gov.cn'")))
    db.call(lambda s: service.sync_targets(s, settings, late))

    # Nothing is due before tomorrow's slot; a day later, the findings still there are not alerted again.
    assert asyncio.run(service.run_due(db, settings, "a", lambda: late, lookalikes=False)) == 0
    env.zones.set("www.abroad.gov.cn. 300 IN A 127.0.0.1")
    tomorrow = late + dt.timedelta(days=1)
    assert asyncio.run(service.run_due(db, settings, "a", lambda: tomorrow, lookalikes=False)) == 3
    # Moving home is itself a change against the last known state: one new finding, alerted once.
    new = [(d.chat_id, d.text.split("\n")[2]) for d in db.call(lambda s: s.exec(select(Delivery)).all())][4:]
    assert sorted(c for c, _ in new) == [42, 777] and all("8.8.8.8 → 127.0.0.1" in t for _, t in new)
    states = db.call(lambda s: {(f.code, f.status) for f in s.exec(select(MonitorFinding)).all()})
    assert ("host_abroad", "closed") in states and ("ns_single", "open") in states


def test_an_alert_goes_to_its_own_office_s_admins_never_a_sibling_county_s(env, db):
    """With offices, a finding about 武定县's site goes to its contact, 武定县's admin and the home's admins; 禄丰市's
    admin hears nothing of it."""
    import asyncio

    from sqlmodel import select

    from bot.db.models import Delivery
    from bot.monitoring import service
    from bot.offices.service import add_office

    settings = load_settings(database_url=db.url)
    _registered(db, "武定县人民政府", "portal", ["www.abroad.gov.cn"], 777)
    for region, admin in (("武定县", 111), ("禄丰市", 222)):
        db.call(lambda s, r=region, a=admin: add_office(s, r, "楚雄彝族自治州", "test", (a,)))
    start = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    db.call(lambda s: service.sync_targets(s, settings, start))
    late = start + dt.timedelta(hours=10)
    assert asyncio.run(service.run_due(db, settings, "a", lambda: late, lookalikes=False)) == 1
    chats = set(db.call(lambda s: s.exec(select(Delivery.chat_id)).all()))
    assert chats == {42, 111, 777}


def test_a_claim_held_by_one_worker_is_skipped_by_another(env, db):
    """Claims are taken under a row lock: while one worker's claim is not yet committed, another worker claiming
    the same due set gets the other rows (PostgreSQL: SKIP LOCKED; SQLite: the second writer waits)."""
    import threading

    from bot.db.storage import Database
    from bot.monitoring import service

    settings = load_settings(database_url=db.url)
    _registered(db, "并发测试单位", "portal", [f"www.c{i}.gov.cn" for i in range(6)])
    start = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    db.call(lambda s: service.sync_targets(s, settings, start))
    late = start + dt.timedelta(hours=10)
    other = Database(db.url)  # a second process's engine
    holding, taken = threading.Event(), []

    def first(session):
        taken.append(service.claim_due(session, "a", late, 4))
        holding.set()
        assert release.wait(10), "the second worker never finished"

    release = threading.Event()
    worker = threading.Thread(target=lambda: db.call(first))
    worker.start()
    assert holding.wait(10)
    if db.dialect == "postgresql":  # SQLite's second writer would wait for the first: claim after the release
        taken.append(other.call(lambda s: service.claim_due(s, "b", late, 6)))
    release.set()
    worker.join(10)
    if db.dialect != "postgresql":
        taken.append(other.call(lambda s: service.claim_due(s, "b", late, 6)))
    other.dispose()
    a, b = ({c.name for c in claims} for claims in taken)
    assert len(a) == 4 and len(b) == 2 and not a & b


def test_two_workers_with_their_own_engines_check_each_domain_once(env, db):
    """Two bot processes on one database (here two threads, each with its own engine and event loop) run the
    scheduled check over the same due set at the same moment: every domain is checked exactly once."""
    import asyncio
    import threading

    from sqlalchemy import func
    from sqlmodel import select

    from bot.db.models import MonitorRun
    from bot.db.storage import Database
    from bot.monitoring import service

    count = 40
    env.zones.set(*(line for i in range(count) for line in (
        f"www.w{i}.gov.cn. 300 IN A 127.0.0.1", f"w{i}.gov.cn. 300 IN NS ns1.dnspod.net.",
        f"w{i}.gov.cn. 300 IN NS ns2.dnspod.net.")))
    env.zones.delay = 0.01  # checks overlap, so the workers really compete for the same rows
    settings = load_settings(database_url=db.url, monitor_concurrency=4)
    _registered(db, "并发测试单位", "portal", [f"www.w{i}.gov.cn" for i in range(count)])
    start = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    db.call(lambda s: service.sync_targets(s, settings, start))
    late = start + dt.timedelta(hours=10)
    gate, results, errors = threading.Barrier(2), {}, []

    def work(name: str) -> None:
        engine = Database(db.url)
        try:
            gate.wait(10)
            results[name] = asyncio.run(service.run_due(engine, settings, name, lambda: late, lookalikes=False,
                                                        https=False))
        except Exception as exc:  # reported below: a thread's exception would otherwise be lost
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=work, args=(name,)) for name in ("p1", "p2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    env.zones.delay = 0.0
    assert not errors and not any(t.is_alive() for t in threads)
    runs, distinct = db.call(lambda s: s.exec(select(func.count(), func.count(MonitorRun.target_id.distinct()))).one())
    by_worker = dict(db.call(lambda s: s.exec(select(MonitorRun.worker, func.count()).group_by(MonitorRun.worker)).all()))
    assert runs == distinct == count and results["p1"] + results["p2"] == count
    assert by_worker == {"p1": results["p1"], "p2": results["p2"]}


async def test_monitor_in_chat_answers_off_the_update_path(env, fake_api, clock, tmp_path):
    from tests.support.env import TEST_TOKEN

    settings = load_settings(telegram_bot_token=TEST_TOKEN, telegram_api_base_url=fake_api.base_url,
                             database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", bot_admin_ids="5001",
                             monitor_enabled=False, monitor_lookalikes=False, monitor_timeout=3.0)
    env.zones.set("www.stuck.gov.cn. 300 IN A 127.0.0.1")
    env.zones.silent = {"www.stuck.gov.cn", "stuck.gov.cn"}
    async with polling_bot(settings, clock):
        fake_api.push_text("/monitor www.stuck.gov.cn")
        fake_api.push_text("/help")
        texts = await fake_api.messages(2)
        assert "正在检查" in texts[0] and "/monitor" in texts[1]  # /help is not held up by a silent resolver
        fake_api.push_text("/monitor 8.8.8.8")
        fake_api.push_text("/monitor www.single.gov.cn")
        await fake_api.until(lambda calls: any("监测结果" in t and "single" in t for t in fake_api.sent_texts()), 15)
        texts = fake_api.sent_texts()
        assert any("IP 地址" in t for t in texts)
        result = next(t for t in texts if "监测结果" in t and "single" in t)
        assert "没有容灾能力" in result and "五（三）" in result
        await fake_api.until(lambda calls: any("stuck" in t and "监测结果" in t for t in fake_api.sent_texts()), 15)
        fake_api.push_text("/monitor www.wuding.gov.cn", user_id=999, chat_id=999)
        await fake_api.until(lambda calls: bool(fake_api.sent_texts(999)), 10)
        assert "联系人和管理员" in fake_api.sent_texts(999)[0]


async def test_admins_refresh_the_ip_database_from_chat_or_are_told_how(env, fake_api, clock, tmp_path, monkeypatch):
    import shutil

    import geoip2fast
    from geoip2fast import GeoIP2Fast

    from tests.support.env import TEST_TOKEN

    shipped = Path(geoip2fast.__file__).parent / "geoip2fast-ipv6.dat.gz"
    outcome = {"status": 1}  # no network here: the updater fails first

    def update_file(self, filename, destination="", verbose=False):
        if outcome["status"] == 0:
            shutil.copyfile(shipped, destination)
        return outcome["status"]

    monkeypatch.setattr(GeoIP2Fast, "update_file", update_file)
    target = tmp_path / "ip.dat.gz"
    settings = load_settings(telegram_bot_token=TEST_TOKEN, telegram_api_base_url=fake_api.base_url,
                             database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", bot_admin_ids="5001",
                             monitor_enabled=False, monitor_geoip_file=str(target))
    async with polling_bot(settings, clock):
        fake_api.push_text("/geoip update", user_id=999, chat_id=999)
        assert await fake_api.until(lambda calls: bool(fake_api.sent_texts(999)), 10)
        assert "只有管理员" in fake_api.sent_texts(999)[0]
        fake_api.push_text("/geoip update", user_id=5001, chat_id=5001)
        assert await fake_api.until(lambda calls: any("MONITOR_GEOIP_FILE" in t for t in fake_api.sent_texts(5001)), 20)
        told = fake_api.sent_texts(5001)[-1]
        assert "下载失败" in told and "domainbot monitor-geoip --update" in told and not target.exists()
        outcome["status"] = 0
        fake_api.push_text("/geoip update", user_id=5001, chat_id=5001)
        assert await fake_api.until(lambda calls: any("已更新" in t for t in fake_api.sent_texts(5001)), 20)
        assert target.exists() and not (tmp_path / "new-ip.dat.gz").exists()
        fake_api.push_text("/geoip", user_id=5001, chat_id=5001)
        assert await fake_api.until(lambda calls: any(str(target) in t for t in fake_api.sent_texts(5001)), 20)


def test_impersonation_goes_to_the_admins_with_the_report_text_and_shows_in_report_and_history(env, tmp_path):
    import asyncio

    from sqlmodel import select

    from bot.db.models import Delivery
    from bot.db.storage import Database
    from bot.monitoring import service, store
    from bot.reporting.report import build_report
    from handlers.records import unit_blocks
    from knowledge.monitoring import describe_event, lookalike_due

    settings = load_settings()
    db = Database(settings.database_url)
    db.upgrade()

    _registered(db, "武定县人民政府", "portal", ["www.wuding.gov.cn", "wudnig.com"], 777)
    base = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # 17:00 in Shanghai, the same date
    now = next(base + dt.timedelta(days=i) for i in range(7) if lookalike_due("wuding", (base + dt.timedelta(days=i)).date(), 7))
    db.call(lambda s: service.sync_targets(s, settings, now - dt.timedelta(days=1)))
    asyncio.run(service.run_due(db, settings, "a", lambda: now, lookalikes=True, https=False))
    alerts = db.call(lambda s: s.exec(select(Delivery.chat_id, Delivery.text).where(
        Delivery.text.contains("冒名"), Delivery.text.contains("<code>www.wuding.gov.cn</code>"))).all())
    assert [chat for chat, _ in alerts] == [42]  # the admins only
    text = alerts[0][1]
    assert "州政府办" in text and "wuding.com" in text and "wudnig.com" not in text  # its own registered domain is not reported
    assert "cxwuding.com（解析到 127.0.0.7）" in text  # the prefecture's initials before the label

    report = db.call(lambda s: build_report(s))
    assert any(r[1] == "www.wuding.gov.cn" and "冒名" in r[2] for r in report.monitoring)
    assert "域名监测" in report.summary()
    findings = db.call(lambda s: store.open_findings(s, ["www.wuding.gov.cn"]))
    assert findings["www.wuding.gov.cn"][0].code == "lookalike_registered"
    events = db.call(lambda s: store.events_for(s, "www.wuding.gov.cn"))
    assert describe_event(events[0].kind, events[0].before, events[0].after) == "发现问题：发现疑似冒名注册的相似域名"
    from bot.registry.lookup import lookup

    view = db.call(lambda s: lookup(s, "www.wuding.gov.cn")[0])
    assert any("🛡 监测：发现疑似冒名注册" in block for block in unit_blocks(view, findings))

    # The search runs once a week per label: the look-alikes gone the next day change nothing until its day.
    env.zones.records.pop("wuding.com")
    env.zones.records.pop("cxwuding.com")
    for days, still_open in ((1, True), (7, False)):
        later = now + dt.timedelta(days=days, hours=1)  # after the day's window: everything is due
        asyncio.run(service.run_due(db, settings, "a", lambda later=later: later, lookalikes=True, https=False))
        codes = {f.code for f in db.call(lambda s: store.open_findings(s, ["www.wuding.gov.cn"])).get("www.wuding.gov.cn", [])}
        assert ("lookalike_registered" in codes) is still_open, days
    db.dispose()


def test_the_bot_starts_without_loading_dns_lookalikes_or_the_ip_database():
    import subprocess
    import sys

    code = ("import sys, bot.runtime.app, bot.cli; "
            "print(sorted(m for m in ('dns', 'dnstwist', 'geoip2fast') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_the_pure_tables_and_input_rules():
    from knowledge.monitoring import (
        cdn_of,
        cert_alert_step,
        is_abroad,
        ns_provider,
        parse_resolvers,
        region_label,
        unit_label,
        validate_target,
    )

    assert ns_provider("f1g1ns1.dnspod.net.") == "DNSPod（腾讯云）"
    assert ns_provider("ns-123.awsdns-45.com") == "AWS Route 53"
    assert ns_provider("vip1.alidns.com") == "阿里云解析" and ns_provider("ns1.wuding.gov.cn") == "自建或其他"
    assert cdn_of(["www.x.gov.cn.w.kunlunca.com"]) == "阿里云CDN" and cdn_of(["x.cdn.dnsv1.com"]) == "腾讯云CDN"
    assert cdn_of(["www.x.gov.cn"]) == ""
    assert all(is_abroad(c) for c in ("HK", "MO", "TW", "US")) and not is_abroad("CN") and not is_abroad("--")
    assert region_label("HK") == "香港"
    assert [cert_alert_step(d) for d in (31, 30, 20, 14, 8, 7, 0, -3)] == [None, 30, 30, 14, 14, 7, 7, 7]
    assert unit_label("rsj.wuding.gov.cn") == "wuding" and unit_label("www.wdczj.com.cn") == "wdczj"
    assert parse_resolvers("223.5.5.5, 127.0.0.1:5353,[::1]:53") == (("223.5.5.5", 53), ("127.0.0.1", 5353), ("::1", 53))
    with pytest.raises(ValueError):
        parse_resolvers("dns.example.cn")
    assert validate_target("WWW.Wuding.GOV.CN.") == ("www.wuding.gov.cn", "")
    for bad in ("", "8.8.8.8", "http://www.wuding.gov.cn", "www.wuding.gov.cn/a", "wuding", "a" * 64 + ".gov.cn"):
        assert validate_target(bad)[1], bad


def test_settings_refuse_bad_monitoring_values():
    from bot.config.settings import SettingsError

    for name, value in (("monitor_resolvers", "dns.example.cn"), ("monitor_hours", "18:00-09:00"),
                        ("monitor_probe_networks", "loopback"), ("monitor_whois", "maybe")):
        with pytest.raises(SettingsError, match=name.upper()):
            load_settings(**{name: value})


def test_a_site_silent_for_the_configured_days_is_proposed_as_idle_to_the_admins(env, tmp_path):
    import asyncio

    from sqlalchemy import update
    from sqlmodel import select

    from bot.db.models import Delivery, Domain, MonitorTarget
    from bot.db.storage import Database
    from bot.monitoring import service

    env.zones.set("www.quiet.gov.cn. 300 IN A 127.0.0.5")  # nothing listens on 127.0.0.5
    settings = load_settings(monitor_idle_days=3)
    db = Database(settings.database_url)
    db.upgrade()

    _registered(db, "武定县某局", "department", ["www.quiet.gov.cn", "www.vanished.gov.cn"])  # the second: NXDOMAIN
    day = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    db.call(lambda s: service.sync_targets(s, settings, day - dt.timedelta(days=1)))
    codes = []
    for n in range(4):
        now = day + dt.timedelta(days=n)
        db.call(lambda s, now=now: s.execute(update(MonitorTarget).values(next_due_at=now - dt.timedelta(minutes=1))))
        asyncio.run(service.run_due(db, settings, "a", lambda now=now: now, lookalikes=False))
        codes.append(db.call(lambda s: s.exec(select(Delivery.text)).all()))
    assert not any("建议认定为闲置" in t for t in codes[2]) and sum("建议认定为闲置" in t for t in codes[3]) == 2
    idle = next(t for t in codes[3] if "建议认定为闲置" in t and "www.quiet.gov.cn" in t)
    assert "/setstatus www.quiet.gov.cn 闲置" in idle
    assert set(db.call(lambda s: s.exec(select(Domain.status)).all())) == {"在用"}  # never changed silently
    db.dispose()


def _can_unshare() -> bool:
    import shutil
    import subprocess

    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    return subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="needs root and unshare --net")
def test_inside_a_loopback_only_network_namespace():
    import subprocess
    import sys
    from pathlib import Path

    script = f"ip link set lo up && exec {sys.executable} -m tests.support.netns_monitor www.wuding.gov.cn www.abroad.gov.cn"
    done = subprocess.run(["unshare", "--net", "sh", "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    results = {r["domain"]: r for r in map(json.loads, done.stdout.strip().splitlines())}
    home, abroad = results["www.wuding.gov.cn"], results["www.abroad.gov.cn"]
    assert home["https"]["ok"] is True and "lookalike_registered" in {f["code"] for f in home["findings"]}
    # Probed without a network guard in the settings: 8.8.8.8 cannot be reached from the namespace.
    assert abroad["https"]["ok"] is False and {"host_abroad", "unreachable"} <= {f["code"] for f in abroad["findings"]}


def test_the_wire_reader_agrees_with_dnspython_and_refuses_what_is_not_the_answer():
    import dns.message
    import dns.name
    import dns.rrset

    from bot.monitoring import wire

    for name in ("www.wuding.gov.cn", "WWW.Wuding.GOV.cn.", "a-b_c.x9.com", "武定.中国", "a" * 63 + ".cn"):
        assert wire.question(name, "A")[:-4] == dns.name.from_text(name).to_wire()
    query = dns.message.make_query("www.cdn.gov.cn", "AAAA")
    response = dns.message.make_response(query)
    response.answer += [dns.rrset.from_text("www.cdn.gov.cn.", 300, "IN", "CNAME", "x.kunlunca.com."),
                        dns.rrset.from_text("x.kunlunca.com.", 300, "IN", "AAAA", "2001:db8::1", "2001:db8:0:0:1::2")]
    asked = wire.question("www.cdn.gov.cn", "AAAA")
    reply = wire.parse(response.to_wire(), query.id, asked, "AAAA")  # names compressed by dnspython's writer
    assert (reply.rcode, reply.truncated, reply.chain) == (0, False, ["x.kunlunca.com"])
    assert sorted(reply.answers) == ["2001:db8::1", "2001:db8::1:0:0:2"]
    ns = dns.message.make_response(dns.message.make_query("wuding.gov.cn", "NS"))
    ns.answer.append(dns.rrset.from_text("wuding.gov.cn.", 300, "IN", "NS", "ns1.dnspod.net.", "ns2.dnspod.net."))
    got = wire.parse(ns.to_wire(), ns.id, wire.question("wuding.gov.cn", "NS"), "NS").answers
    assert sorted(got) == ["ns1.dnspod.net", "ns2.dnspod.net"]
    with pytest.raises(wire.Malformed):  # another ID
        wire.parse(response.to_wire(), (query.id + 1) % 65536, asked, "AAAA")
    with pytest.raises(wire.Malformed):  # another question
        wire.parse(response.to_wire(), query.id, wire.question("www.other.gov.cn", "AAAA"), "AAAA")
    # A name whose compression pointer points at itself ends with an error, not a loop.
    header = bytes.fromhex("abcd8180000100010000 0000".replace(" ", ""))
    looped = header + asked + b"\xc0" + bytes([12 + len(asked)]) + b"\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01"
    with pytest.raises(wire.Malformed):
        wire.parse(looped, 0xABCD, asked, "A")


def test_monitor_without_a_working_resolver_says_so_and_records_nothing(servers, guard, monkeypatch, tmp_path, capsys):
    """No network (a resolver that answers NXDOMAIN for every name, as in a sandbox): /monitor must not report
    the domain as nonexistent, nor put that into the report."""
    from sqlmodel import select

    from bot.cli import main
    from bot.db.models import MonitorFinding
    from bot.db.storage import Database

    dns, _, _ = servers
    dns.zones.records.clear()  # every name: NXDOMAIN, the top-level domain included
    monkeypatch.setenv("MONITOR_RESOLVERS", dns.address)
    monkeypatch.setenv("MONITOR_WHOIS", "off")
    monkeypatch.setenv("MONITOR_TIMEOUT", "0.5")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'm.sqlite3'}")
    code = main(["monitor", "www.wuding.gov.cn", "--no-lookalikes", "--no-https"])
    out = capsys.readouterr()
    assert code == 3 and "解析服务" in out.err and "NXDOMAIN" not in out.out + out.err, out
    db = Database(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    assert db.call(lambda s: s.exec(select(MonitorFinding)).all()) == []
    db.dispose()
