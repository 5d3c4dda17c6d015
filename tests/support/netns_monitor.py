"""Run inside a network namespace with only loopback (tests/test_monitoring.py starts it with `unshare --net`):
the local DNS and TLS servers, then `domainbot monitor --json` on a few zones; prints one JSON object per domain.
Any address outside 127.0.0.0/8 is unreachable here, whatever the code does."""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path


def main() -> int:
    from tests.support.monitor_servers import LocalDNS, LocalWeb, make_certificates, zone_lines

    folder = Path(tempfile.mkdtemp())
    ca, certs = make_certificates(folder, {"good": (["www.wuding.gov.cn"], 90, False)})
    web = LocalWeb(certs, {}).start()
    dns = LocalDNS().start()
    dns.zones.set(*zone_lines())
    os.environ.update({"MONITOR_RESOLVERS": dns.address, "MONITOR_HTTPS_PORT": str(web.https_port),
                       "MONITOR_HTTP_PORT": str(web.http_port), "MONITOR_CA_FILE": str(ca), "MONITOR_WHOIS": "off",
                       "MONITOR_TIMEOUT": "0.5", "MONITOR_RETRIES": "0", "MONITOR_LOOKALIKE_LIMIT": "40",
                       "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
                       # 8.8.8.0/24 allowed too: the namespace itself is the guard, so 8.8.8.8 is tried and fails.
                       "MONITOR_PROBE_NETWORKS": "127.0.0.0/8,8.8.8.0/24"})
    from contextlib import redirect_stdout
    from io import StringIO

    from bot.cli import main as cli

    for domain in sys.argv[1:]:
        out = StringIO()
        with redirect_stdout(out):
            code = cli(["monitor", domain, "--json"])
        print(json.dumps({"exit": code, **json.loads(out.getvalue())}, ensure_ascii=False), flush=True)
    dns.stop()
    web.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
