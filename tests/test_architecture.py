"""The house rules, checked on the source: the math is pandas-free, no module reaches into
a public module's private names, modules stay small, and the import graph stays one-way."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "custvalue"
MODULES = sorted(p for p in SRC.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, *, top_level: bool = False) -> list[tuple[str, list[str]]]:
    """(absolute module imported, names imported from it) for every import of ``path``.

    ``top_level``: only the imports run at import time (module level), not those inside
    functions (an optional dependency imported where it is used).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    nodes = tree.body if top_level else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((mod, [a.name for a in node.names]))
    return out


def _is_public(module: str) -> bool:
    return not any(part.startswith("_") for part in module.split("."))


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if "_math" in p.parts or p.name in ("_rows.py", "_rowkey.py")],
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_math_imports_no_pandas(path: Path) -> None:
    # clv/_math and _rowkey never touch pandas; _rows.py may use pandas.factorize inside
    # one function (its docstring says why), never at import time
    deep = path.name != "_rows.py"
    imported = {mod.split(".")[0] for mod, _ in _imports(path, top_level=not deep)}
    assert "pandas" not in imported


def test_no_private_name_is_imported_from_a_public_module() -> None:
    offences = []
    for path in MODULES:
        for mod, names in _imports(path):
            if mod.startswith("custvalue") and _is_public(mod):
                # ``from . import _optimize`` names a private submodule, not a private name
                package_dir = SRC.parent.joinpath(*mod.split("."))
                private = [
                    n
                    for n in names
                    if n.startswith("_")
                    and n != "__version__"
                    and not (package_dir / f"{n}.py").exists()
                    and not (package_dir / n).is_dir()
                ]
                if private:
                    offences.append(f"{path.relative_to(SRC)}: from {mod} import {private}")
    assert offences == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_over_600_lines(path: Path) -> None:
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= 600, f"{path.relative_to(SRC)} has {n} lines: split it by responsibility"


def test_segmentation_modules_never_import_the_models() -> None:
    # the flow is one-way: segments take Series (p_alive, CLV) as arguments
    for name in ("abc", "rfm", "pyramid", "lifecycle", "churn", "followup", "report"):
        path = SRC / f"{name}.py"
        if not path.exists():
            continue
        mods = [mod for mod, _ in _imports(path)]
        assert not any(m.startswith("custvalue.clv") for m in mods), name


def test_import_custvalue_pulls_in_no_optional_dependency() -> None:
    code = (
        "import sys, custvalue; "
        "print(sorted(m for m in ('matplotlib', 'jinja2', 'dask', 'distributed', 'click') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
