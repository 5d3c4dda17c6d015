"""Country of an IP address from geoip2fast's offline database (shipped in the wheel, MaxMind GeoLite2 data).

Loaded on first use, never at bot start (0.25 s and about 40 MB). `MONITOR_GEOIP_FILE` may point at a newer
data file (see `domainbot monitor-geoip --update`)."""
from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass

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
