"""`domainbot monitor DOMAIN [--json] [--no-lookalikes] [--no-https]`: one health check of a domain (plan
五（三）（四）). Exit 0 without findings, 1 with findings, 2 on bad input. The run is recorded in the database, so
a later run reports answers that changed against the last known good state."""
from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.output import EXIT_FAIL, EXIT_OK, EXIT_USAGE, emit


def cmd_monitor(args: argparse.Namespace) -> int:
    from knowledge.monitoring import validate_target

    name, error = validate_target(" ".join(args.domain))
    if error:
        if args.json:
            emit({"error": error})
        print(error, file=sys.stderr)
        return EXIT_USAGE
    from bot.cli.registry import open_database
    from bot.config.settings import load_settings
    from bot.monitoring.service import check_now

    settings = load_settings()
    db = open_database()
    try:
        check = asyncio.run(check_now(db, settings, name, lookalikes=not args.no_lookalikes, https=not args.no_https))
    finally:
        db.dispose()
    if args.json:
        emit(check.to_json())
    else:
        print(render(check.to_json()))
    return EXIT_FAIL if check.findings else EXIT_OK


def render(result: dict) -> str:
    lines = [f"{result['domain']}：{'能解析' if result['resolves'] else '不能解析'}"]
    for ns in result["ns"]:
        lines.append(f"  NS {ns['host']}（{ns['provider']}，{ns['country'] or '未知'}）")
    for a in result["addresses"]:
        lines.append(f"  地址 {a['ip']}（{a['country'] or '未知'}{'，' + a['cdn'] if a['cdn'] else ''}）")
    https = result["https"]
    if https.get("ok") is not None:
        lines.append(f"  HTTPS {'可访问' if https['ok'] else '不可访问'}"
                     + (f"，证书到期 {https['expires']}" if https.get("expires") else ""))
    for x in result["lookalikes"]:
        lines.append(f"  相似域名 {x['domain']} {', '.join(x['addresses'])}")
    lines += [f"  ⚠ {f['message']}（{f['basis']}）" for f in result["findings"]] or ["  未发现问题"]
    return "\n".join(lines)


def add_commands(sub: argparse._SubParsersAction) -> None:
    monitor = sub.add_parser("monitor", help="域名安全监测：解析、境内外、CDN、劫持、证书、冒名注册")
    monitor.add_argument("domain", nargs="+")
    monitor.add_argument("--json", action="store_true")
    monitor.add_argument("--no-lookalikes", action="store_true", help="不检查相似域名")
    monitor.add_argument("--no-https", action="store_true", help="不检查 HTTP/HTTPS")
    monitor.set_defaults(func=cmd_monitor)
