"""The layering the README promises: knowledge ← bot services ← handlers. knowledge/ imports nothing from
bot/ or handlers/; nothing in bot/ imports handlers/ except the app factory; handlers/ build no queries and
never import the wiring (app factory, runner, console, CLI); the services under bot/ never import the runtime."""
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
        bad = {m for m in _imports(path) if m in ("bot.runtime.app", "bot.runtime.runner", "bot.runtime.console") or m.startswith("bot.cli")}
        assert not bad, f"{path.name} imports {bad}"


def _modules(folder: str):
    for path in (ROOT / folder).rglob("*.py"):
        yield path.relative_to(ROOT).with_suffix("").as_posix().replace("/", "."), _imports(path)


def test_only_the_app_factory_imports_handlers():
    for module, imports in _modules("bot"):
        bad = {m for m in imports if m.split(".")[0] == "handlers"}
        assert module == "bot.runtime.app" or not bad, f"{module} imports {bad}"


def test_handlers_build_no_queries():
    for module, imports in _modules("handlers"):
        bad = {m for m in imports if m.split(".")[0] in ("sqlmodel", "sqlalchemy")}
        assert not bad, f"{module} imports {bad}: queries belong in a service under bot/"


SERVICES = ("bot.db", "bot.config", "bot.registry", "bot.deadlines", "bot.delivery")


def test_services_do_not_import_the_runtime_or_cli():
    for module, imports in _modules("bot"):
        if module.startswith(SERVICES):
            bad = {m for m in imports if m.startswith(("bot.runtime", "bot.cli"))}
            assert not bad, f"{module} imports {bad}"


def test_database_layer_imports_no_service():
    for module, imports in _modules("bot/db"):
        bad = {m for m in imports if m.startswith("bot.") and not m.startswith(("bot.db", "bot.config"))}
        assert not bad, f"{module} imports {bad}"


def test_data_files_ship_inside_the_package():
    from knowledge.resources import read_text

    for name in ("policy.yaml", "divisions.tsv", "place_readings.yaml", "departments.yaml", "seed_2019_chuxiong.txt"):
        assert read_text(name)


def test_tests_share_only_through_support():
    """Shared fixtures and generators live in tests/support; a test module is never imported by another."""
    for folder in ("tests", "benchmarks"):
        for module, imports in _modules(folder):
            bad = {m for m in imports if m.startswith("tests.") and not m.startswith("tests.support")}
            assert not bad, f"{module} imports {bad}"


FIRST_PARTY = ("bot", "handlers", "knowledge")
# Standard-library modules that are implementation details of a documented package (their names carry no underscore).
UNDOCUMENTED_MODULES = ("json.encoder", "json.decoder", "json.scanner")
# Underscore names that are documented API: named tuples' methods, os._exit.
DOCUMENTED_UNDERSCORE = {"_fields", "_make", "_replace", "_asdict", "_field_defaults", "_exit"}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in DOCUMENTED_UNDERSCORE


def _private_uses(path: Path) -> list[str]:
    """Where a module leans on a dependency's internals: a private module or name imported, an undocumented
    module, a private attribute read off another object, or, in a subclass of a dependency's class, a private
    method overridden or a private attribute of the base read."""
    import importlib

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found, imported = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = node.module
            if module.split(".")[0] in FIRST_PARTY or module == "__future__":
                continue
            for alias in node.names:
                imported[alias.asname or alias.name] = (module, alias.name)
                if any(_private(part) for part in module.split(".")) or _private(alias.name) \
                        or module in UNDOCUMENTED_MODULES:
                    found.append(f"line {node.lineno}: from {module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in FIRST_PARTY and (
                        any(_private(p) for p in alias.name.split(".")) or alias.name in UNDOCUMENTED_MODULES):
                    found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = []
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in imported:
                module, name = imported[base.id]
                bases.append(getattr(importlib.import_module(module), name))
        for inner in ast.walk(node):
            name = inner.name if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef) else \
                inner.attr if isinstance(inner, ast.Attribute) else None
            if name and _private(name) and any(hasattr(b, name) for b in bases):
                found.append(f"line {inner.lineno}: {node.name} uses its base class's private {name}")
    return found


def test_no_private_internals_of_dependencies():
    """A minor upgrade of a dependency within its pinned range may change anything private (issue 25, item 8):
    the code uses only the documented API of the libraries it depends on."""
    found = {str(path.relative_to(ROOT)): uses for folder in FIRST_PARTY for path in (ROOT / folder).rglob("*.py")
             if (uses := _private_uses(path))}
    assert not found, found
