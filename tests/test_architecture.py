"""The layering the README promises: knowledge/ imports nothing from bot/ or handlers/; handlers/ never
import the app factory or the CLI."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_knowledge_is_pure():
    for path in (ROOT / "knowledge").rglob("*.py"):
        bad = {m for m in _imports(path) if m.split(".")[0] in ("bot", "handlers", "telegram", "sqlmodel", "sqlalchemy")}
        assert not bad, f"{path.name} imports {bad}"


def test_handlers_do_not_import_the_wiring():
    for path in (ROOT / "handlers").rglob("*.py"):
        bad = {m for m in _imports(path) if m in ("bot.app", "bot.runner", "bot.console") or m.startswith("bot.cli")}
        assert not bad, f"{path.name} imports {bad}"


def test_data_files_ship_inside_the_package():
    from knowledge.resources import read_text

    for name in ("policy.yaml", "divisions.tsv", "place_readings.yaml", "departments.yaml", "seed_2019_chuxiong.txt"):
        assert read_text(name)
