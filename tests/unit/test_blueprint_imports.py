"""The adapter's blueprints share through modules of their own, not through each other."""

from __future__ import annotations

import ast
from pathlib import Path

import scim_gateway

from ..support.graphs import cycles_in

PACKAGE = Path(scim_gateway.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
PACKAGES = {name for name, path in MODULES.items() if path.name == "__init__.py"}


def imports_of(name: str) -> set[str]:
    """Return the scim_gateway modules (not packages) a module imports, at any depth in it."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        # A blueprint package's __init__ imports its views to register them: `from . import
        # bp` is how a view finds its blueprint, not a dependency between views.
        found |= {t for t in targets if t in MODULES and t not in PACKAGES and t != name}
    return found


def cycles() -> list[list[str]]:
    """Return the import cycles among the adapter's modules, packages left out."""
    return cycles_in({name: imports_of(name) for name in MODULES if name not in PACKAGES})


def test_no_module_of_the_adapter_imports_one_that_imports_it_back():
    assert cycles() == []


def test_sso_imports_nothing_of_the_owners_pages():
    sso = [name for name in MODULES if name.startswith("scim_gateway.sso")]

    assert {t for name in sso for t in imports_of(name) if ".admin" in t} == set()


def test_the_sign_in_views_share_the_gate_instead_of_each_other():
    assert "scim_gateway.sso.views" not in imports_of("scim_gateway.sso.saml_views")
    assert "scim_gateway.sso.gate" in imports_of("scim_gateway.sso.saml_views")
