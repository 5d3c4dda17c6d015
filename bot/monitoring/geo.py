"""Country of an IP address from geoip2fast's offline database (shipped in the wheel, MaxMind GeoLite2 data).

Loaded on first use, never at bot start (0.25 s and about 40 MB). `MONITOR_GEOIP_FILE` may point at a newer
data file (see `domainbot monitor-geoip --update`)."""
from __future__ import annotations

import ipaddress
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from knowledge.monitoring import PRIVATE, network_of

DEFAULT_FILE = "geoip2fast-ipv6.dat.gz"  # IPv4 and IPv6, countries only (the ASN file costs 130 MB)
_lock = threading.Lock()
_db: dict[str, object] = {}


@dataclass(frozen=True)
class Place:
    country: str  # ISO code; PRIVATE ("--") for loopback, private and reserved addresses
    network: str  # AS name when the data has it, else the /24 or /48


def _database(path: str):
    with _lock:
        if path not in _db:
            from geoip2fast import GeoIP2Fast

            _db[path] = GeoIP2Fast(verbose=False, geoip2fast_data_file=path or DEFAULT_FILE)
        return _db[path]


def loaded() -> bool:
    return bool(_db)


def locate(ip: str, path: str = "") -> Place:
    address = ipaddress.ip_address(ip)
    if not address.is_global:
        return Place(PRIVATE, network_of(ip))
    result = _database(path).lookup(ip)
    code = getattr(result, "country_code", "") or ""
    asn = getattr(result, "asn_name", "") or ""
    return Place(code if code and code != "--" else "", asn or network_of(ip))


def database_info(path: str = "") -> dict:
    return _database(path).get_database_info()


def default_target(configured: str) -> Path:
    """Where a refreshed database goes: MONITOR_GEOIP_FILE, else data/ (then the setting must name it)."""
    return Path(configured) if configured else Path("data") / DEFAULT_FILE


def refresh(configured: str) -> tuple[bool, str]:
    """Download the newest database (geoip2fast's updater: the project's GitHub releases) next to the target,
    check that it loads, then put it in place; the next look-up uses it when it is the configured file.
    (True, path) or (False, why). Blocking: network and a 0.3 s load."""
    from geoip2fast import GeoIP2Fast

    target = default_target(configured)
    partial = target.with_name("new-" + target.name)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        status = GeoIP2Fast(verbose=False).update_file(DEFAULT_FILE, destination=str(partial), verbose=False)
        if status != 0:
            return False, f"下载失败（状态 {status}）"
        GeoIP2Fast(verbose=False, geoip2fast_data_file=str(partial.resolve()))  # a broken download fails here
        os.replace(partial, target)
    except Exception as exc:  # the updater raises whatever urllib or its loader raise
        return False, f"下载失败（{exc.__class__.__name__}）"
    finally:
        partial.unlink(missing_ok=True)
    with _lock:
        _db.pop(configured, None)
    return True, str(target.resolve())
