"""`domainbot apply SPEC.json --out FORM.docx|FORM.xlsx`: the filled application form from the command line.
An application the rules refuse writes nothing and exits 1 with the reasons."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.output import EXIT_FAIL, EXIT_OK, EXIT_USAGE
from bot.cli.parser import Subcommands


def cmd_apply(args: argparse.Namespace) -> int:
    from bot.applications.forms import FORMATS, write_form
    from knowledge.applications import SpecError, route, validate

    source = args.spec or args.json_file
    if not source or not args.out:
        print("用法：domainbot apply SPEC.json --out FORM.docx（或 FORM.xlsx）", file=sys.stderr)
        return EXIT_USAGE
    outputs = [Path(p) for p in args.out]
    if any(p.suffix.lower() not in FORMATS for p in outputs):
        print("输出文件须以 .docx 或 .xlsx 结尾", file=sys.stderr)
        return EXIT_USAGE
    missing = next((p for p in outputs if not p.parent.is_dir()), None)
    if missing is not None:
        print(f"输出文件夹不存在：{missing.parent}（请先建好文件夹）", file=sys.stderr)
        return EXIT_USAGE
    try:
        raw = read_spec(Path(source))
    except SpecFileError as exc:
        print(f"申请文件 {source} 无法使用：{exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        spec = validate(raw, _registry_context(raw) if args.registry else None)
    except SpecError as exc:
        print("申请不符合规定，未生成表格：", file=sys.stderr)
        for problem in exc.problems:
            print(f"- {problem}", file=sys.stderr)
        return EXIT_FAIL
    steps, basis = route(spec.action, spec.unit, spec.kind, spec.legacy)
    for path in outputs:
        try:
            write_form(path, spec, steps, basis)
        except OSError as exc:
            print(f"无法写入 {path}：{exc.strerror or exc.__class__.__name__}", file=sys.stderr)
            return EXIT_USAGE
        print(f"已生成 {path}")
    return EXIT_OK


MAX_SPEC_BYTES = 64 * 1024  # a spec is a few hundred bytes
MAX_SPEC_DEPTH = 3  # the spec, its contact, a list of domains
MAX_TEXT = 1000
# What each field may be: anything else is a usage error named in one line, before the rules look at it.
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "action": (str,), "unit": (str,), "domains": (str, list), "years": (int, str), "contact": (dict,),
    "reason": (str,), "kind": (str,), "legacy": (bool,), "replaces": (str, list)}
TYPE_NAMES = {str: "文字", list: "列表", int: "整数", dict: "对象", bool: "true 或 false"}


class SpecFileError(ValueError):
    """A spec file that cannot be read or has the wrong shape; the message (Chinese) is one line."""


def read_spec(path: Path) -> dict:
    """The spec file's JSON object, its text cleaned as all text entering is (knowledge.text.clean_text), with
    each field of the type it must have, `kind` one of the kinds; or SpecFileError."""
    from knowledge.text import clean_text
    from knowledge.units import KINDS

    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise SpecFileError(exc.strerror or exc.__class__.__name__) from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecFileError(f"超过 {MAX_SPEC_BYTES // 1024} KB，不像是一份申请")
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SpecFileError("不是 UTF-8 编码的文本") from None
    except RecursionError:
        raise SpecFileError(f"嵌套过深（最多 {MAX_SPEC_DEPTH} 层）") from None
    except ValueError as exc:  # JSONDecodeError, and a number of thousands of digits
        where = f"第{exc.lineno}行：" if isinstance(exc, json.JSONDecodeError) else ""
        raise SpecFileError(f"{where}不是有效的 JSON（{getattr(exc, 'msg', '') or '数字过长'}）") from None
    if not isinstance(raw, dict):
        raise SpecFileError("内容须为 JSON 对象 {\"action\": …, \"unit\": …}")

    def check(value: object, where: str, depth: int) -> object:
        if depth > MAX_SPEC_DEPTH:
            raise SpecFileError(f"{where} 嵌套过深（最多 {MAX_SPEC_DEPTH} 层）")
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise SpecFileError(f"{where} 过长（最多 {MAX_TEXT} 字）")
            return clean_text(value, MAX_TEXT, multiline=where == "reason")
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            if abs(value) >= 10**6:
                raise SpecFileError(f"{where} 数字过大")
            return value
        if isinstance(value, float):
            raise SpecFileError(f"{where} 须为整数或文字")
        if isinstance(value, list):
            if len(value) > 100:
                raise SpecFileError(f"{where} 项目过多")
            return [check(v, where, depth + 1) for v in value]
        return {str(k)[:50]: check(v, f"{where}.{str(k)[:50]}", depth + 1) for k, v in value.items()}

    spec = {}
    for key, value in raw.items():
        key = clean_text(str(key), 50, multiline=False)
        wanted = FIELD_TYPES.get(key)
        if wanted and value is not None and (not isinstance(value, wanted) or isinstance(value, bool) != (bool in wanted)):
            raise SpecFileError(f"{key} 须为{'或'.join(TYPE_NAMES[t] for t in wanted)}")
        spec[key] = check(value, key, 1)
    for key in ("domains", "replaces"):
        if isinstance(spec.get(key), list) and not all(isinstance(d, str) for d in spec[key]):
            raise SpecFileError(f"{key} 须为域名（文字）的列表")
    if isinstance(spec.get("contact"), dict) and not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                                          for v in spec["contact"].values()):
        raise SpecFileError("contact 的各项须为文字")
    if spec.get("kind") not in (None, "") and spec["kind"] not in KINDS:
        raise SpecFileError(f"kind 须为 {'、'.join(KINDS)} 之一")
    return spec


def _registry_context(raw: dict):
    """What the registry knows (the registered portal, who holds each domain), when asked for."""
    from bot.applications.records import registry_context
    from bot.cli.registry import open_database

    db = open_database()
    domains = raw.get("domains") if isinstance(raw.get("domains"), list) else []
    return db.call(lambda s: registry_context(s, str(raw.get("unit") or ""), [str(d) for d in domains]))


def add_commands(sub: Subcommands) -> None:
    apply = sub.add_parser("apply", help="生成政府网站域名业务申请基本信息表（.docx/.xlsx）")
    apply.add_argument("spec", nargs="?", help="申请内容 JSON 文件")
    apply.add_argument("--json", dest="json_file", help="同 SPEC.json")
    apply.add_argument("--out", action="append", help="输出文件 FORM.docx 或 FORM.xlsx（可写两次）")
    apply.add_argument("--registry", action="store_true", help="按登记册核对（门户网站域名、域名持有单位）")
    apply.set_defaults(func=cmd_apply)
