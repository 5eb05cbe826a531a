"""The floors of app/ and the rules between them (docs/ARCHITECTURE.md), checked.

- the domain (``app/domain``) is pure: importing any of its modules loads no FastAPI,
  Starlette or Jinja2 (each module in a fresh interpreter, so nothing else loaded them first);
- the JSON API (``app/api``) and the pages (``app/web``) do not import each other: what both
  need lives in ``app/http`` (a static check of every import statement);
- no module under ``app/`` is longer than 500 lines, no function longer than 80 (migrations aside);
- every write ends in ``app.core.db.committing``: no other module commits or rolls back by hand,
  and nothing refreshes the catalogue by hand (it follows every committed write).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
WEB_FRAMEWORKS = ("fastapi", "starlette", "jinja2")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


DOMAIN_MODULES = sorted(_module_name(path) for path in (APP / "domain").rglob("*.py"))


def _imported_modules(path: Path, module: str) -> set[str]:
    """Every module an ``import`` or ``from ... import`` in this file names (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this file's package
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_there_are_domain_modules_to_check():
    assert "app.domain.errors" in DOMAIN_MODULES and len(DOMAIN_MODULES) > 10


def test_no_domain_module_loads_a_web_framework():
    # one interpreter, a fresh one per module (a subprocess each would take ~1 s apiece)
    script = (
        "import importlib, json, subprocess, sys\n"
        "modules = json.loads(sys.argv[1])\n"
        "code = 'import importlib, sys; importlib.import_module(sys.argv[1]); "
        "print(\",\".join(n for n in %r if n in sys.modules))' % (tuple(json.loads(sys.argv[2])),)\n"
        "bad = {}\n"
        "for name in modules:\n"
        "    out = subprocess.run([sys.executable, '-c', code, name], capture_output=True, text=True, check=True)\n"
        "    if out.stdout.strip():\n"
        "        bad[name] = out.stdout.strip()\n"
        "print(json.dumps(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(DOMAIN_MODULES), json.dumps(WEB_FRAMEWORKS)],
        capture_output=True, text=True, cwd=ROOT, check=True, timeout=240,
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {}, f"domain modules that load a web framework: {loaded}"


@pytest.mark.parametrize(("floor", "forbidden"), [("api", "app.web"), ("web", "app.api")])
def test_api_and_pages_do_not_import_each_other(floor, forbidden):
    offenders = {}
    for path in sorted((APP / floor).rglob("*.py")):
        hits = sorted(name for name in _imported_modules(path, _module_name(path)) if name == forbidden or name.startswith(forbidden + "."))
        if hits:
            offenders[str(path.relative_to(ROOT))] = hits
    assert offenders == {}, f"app/{floor} imports {forbidden}: {offenders}"


def test_the_import_check_sees_imports_inside_functions_and_relative_ones(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from app.api.search import execute\n    import app.api.public\n"
                     "from ..api import reference\n")
    names = _imported_modules(probe, "app.web.probe")
    assert {"app.api.search", "app.api.public", "app.api", "app.api.reference"} <= names


MAX_MODULE_LINES = 500


def test_no_module_under_app_is_longer_than_500_lines():
    long = {
        str(path.relative_to(ROOT)): count
        for path in sorted(APP.rglob("*.py"))
        if "migrations" not in path.parts
        and (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"split these by topic (at most {MAX_MODULE_LINES} lines): {long}"


MAX_FUNCTION_LINES = 80
#: functions allowed to stay longer than MAX_FUNCTION_LINES, each with its reason; an entry that
#: is short again (or gone) fails the check too, so the list only ever shrinks
LONG_FUNCTIONS_ALLOWED: set[str] = set()


def _function_lengths(path: Path) -> dict[str, int]:
    """``{qualified name: lines}`` of every function and method in the file, nested ones too (from
    the ``def`` line to the last line of its body; decorators not counted)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lengths: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    lengths[name] = child.end_lineno - child.lineno + 1
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return lengths


def test_no_function_under_app_is_longer_than_80_lines():
    lengths = {
        f"{path.relative_to(ROOT).as_posix()}:{name}": count
        for path in sorted(APP.rglob("*.py"))
        if "migrations" not in path.parts
        for name, count in _function_lengths(path).items()
    }
    long = {name: count for name, count in lengths.items() if count > MAX_FUNCTION_LINES}
    assert set(long) - LONG_FUNCTIONS_ALLOWED == set(), (
        f"split these into named parts (at most {MAX_FUNCTION_LINES} lines): "
        f"{ {name: long[name] for name in sorted(set(long) - LONG_FUNCTIONS_ALLOWED)} }")
    assert LONG_FUNCTIONS_ALLOWED - set(long) == set(), (
        f"no longer long (or gone): take them off LONG_FUNCTIONS_ALLOWED: {sorted(LONG_FUNCTIONS_ALLOWED - set(long))}")


def test_the_length_check_sees_methods_and_nested_functions(tmp_path):
    probe = tmp_path / "probe.py"
    body = "".join(f"    x{i} = {i}\n" for i in range(79))
    probe.write_text(
        f"def short():\n{body}\n"  # 80 lines: allowed
        "class Builder:\n"
        f"    @staticmethod\n    def long():\n{body.replace('    ', '        ')}        x = 1\n\n"
        f"def outer():\n    def inner():\n{body.replace('    ', '        ')}        return 1\n    return inner\n"
    )
    lengths = _function_lengths(probe)
    assert lengths["short"] == 80
    assert lengths["Builder.long"] == 81
    assert lengths["outer.inner"] == 81 and lengths["outer"] == 83


#: the one module that ends transactions (Alembic's environment commits its own migrations)
TRANSACTION_MODULE = APP / "core" / "db.py"
HAND_WRITTEN_TRANSACTION_CALLS = ("commit", "rollback")


def _calls_of(path: Path, names: tuple[str, ...]) -> list[str]:
    """``x.commit()``-style calls (and bare ones) of any of ``names`` in a module, as ``line: name``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in names:
                found.append(f"{node.lineno}: {name}")
    return found


def test_every_write_ends_in_the_one_transaction_helper():
    offenders = {
        str(path.relative_to(ROOT)): hits
        for path in sorted(APP.rglob("*.py"))
        if path != TRANSACTION_MODULE and "migrations" not in path.parts
        and (hits := _calls_of(path, HAND_WRITTEN_TRANSACTION_CALLS))
    }
    assert offenders == {}, f"end writes with app.core.db.committing(session), not by hand: {offenders}"


def test_nothing_refreshes_the_catalogue_by_hand():
    offenders = {
        str(path.relative_to(ROOT)): hits
        for path in sorted(APP.rglob("*.py"))
        if (hits := _calls_of(path, ("invalidate_catalog",)))
    }
    assert offenders == {}, f"the catalogue follows every committed write by itself: {offenders}"


def test_the_transaction_check_sees_commits_and_rollbacks_however_written(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f(session, state):\n    session.commit()\n    if True:\n        self.session.rollback()\n"
                     "    state.invalidate_catalog()\n")
    assert _calls_of(probe, HAND_WRITTEN_TRANSACTION_CALLS) == ["2: commit", "4: rollback"]
    assert _calls_of(probe, ("invalidate_catalog",)) == ["5: invalidate_catalog"]
