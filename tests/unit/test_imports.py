"""The seat core's modules import alone, and none imports another that imports it back."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import seat_core

from ..support.graphs import cycles_in

PACKAGE = Path(seat_core.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_by(name: str, path: Path) -> set[str]:
    """Return the seat_core modules a module imports at its top level, as Python loads them.

    Importing seat_core.a.b loads the package seat_core.a first, unless the importer is
    inside it already: that package is imported too.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from a import b` imports a, and a.b too when b is a module.
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in names:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            # A package the importer is inside is loading already.
            if not target or target == name or name.startswith(f"{target}."):
                continue
            targets.add(target)
            # Its parent packages are loaded first, unless the importer is inside them.
            parent = target.rpartition(".")[0]
            while parent and not name.startswith(f"{parent}.") and parent != name:
                targets.add(parent)
                parent = parent.rpartition(".")[0]
    return targets


def fresh_import(statement: str) -> subprocess.CompletedProcess[str]:
    """Run an import statement in a fresh interpreter; print the seat_core modules it loaded."""
    listing = "import sys; print(*sorted(m for m in sys.modules if m.startswith('seat_core')))"
    return subprocess.run(
        [sys.executable, "-c", f"{statement}; {listing}"],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def package_import() -> subprocess.CompletedProcess[str]:
    """`import seat_core` in a fresh interpreter, once for the module's tests."""
    return fresh_import("import seat_core")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_module_imports_alone_in_a_fresh_interpreter(name, package_import):
    # `import seat_core.x` runs the package's __init__ first; when that loads x, importing x
    # alone is exactly importing the package, which a fresh interpreter did once for all.
    # Only a module the package does not load costs an interpreter of its own.
    loaded = package_import.stdout.split()
    result = package_import if name in loaded else fresh_import(f"import {name}")

    assert result.returncode == 0, result.stderr
    assert name in result.stdout.split()


def test_no_seat_core_module_imports_one_that_imports_it_back():
    graph = {name: imported_by(name, path) for name, path in MODULES.items()}

    assert cycles_in(graph) == []


def test_no_seat_core_function_imports_at_call_time():
    local = [
        f"{name}:{node.lineno}"
        for name, path in MODULES.items()
        for function in ast.walk(ast.parse(path.read_text()))
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]

    assert local == []


def test_the_cycle_finder_sees_a_cycle_through_a_package():
    # seat_core imports every module; a module that imported seat_core would close a cycle.
    assert "seat_core.ledger" in imported_by("seat_core", MODULES["seat_core"])
    assert "seat_core.fastpath" not in MODULES or "seat_core.fastpath" in imported_by(
        "seat_core.contracts", MODULES["seat_core.contracts"]
    )
