"""Views leave domain errors to their blueprint's error handler, unless a comment says why."""

import ast
import importlib
import io
import tokenize
from pathlib import Path

import scim_gateway

PACKAGE = Path(scim_gateway.__file__).parent


def blueprint_modules() -> list[Path]:
    """Return every module of a package under scim_gateway that makes a Blueprint."""
    return sorted(
        path
        for init in PACKAGE.glob("*/__init__.py")
        if "Blueprint(" in init.read_text()
        for path in init.parent.glob("*.py")
    )


def domain_names(tree: ast.Module) -> dict[str, type]:
    """Return the names a module imports from seat_core that are exceptions of seat_core."""
    names: dict[str, type] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        if node.module.split(".")[0] != "seat_core":
            continue
        module = importlib.import_module(node.module)
        for alias in node.names:
            found = getattr(module, alias.name, None)
            if (
                isinstance(found, type)
                and issubclass(found, BaseException)
                and found.__module__.split(".")[0] == "seat_core"
            ):
                names[alias.asname or alias.name] = found
    return names


def caught(handler: ast.ExceptHandler) -> list[str]:
    """Return the names an except clause catches."""
    if handler.type is None:
        return []
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return [kind.id for kind in kinds if isinstance(kind, ast.Name)]


def uncommented_catches(source: str) -> list[tuple[int, str]]:
    """Return (line, name) of each domain error caught with no comment saying why.

    The comment goes on the except line, the line above it, or the handler's first line.
    """
    tree = ast.parse(source)
    domain = domain_names(tree)
    comments = {
        token.start[0]
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ExceptHandler):
            continue
        near = {node.lineno - 1, node.lineno, node.lineno + 1}
        for name in caught(node):
            if name in domain and not near & comments:
                found.append((node.lineno, name))
    return found


def test_no_view_catches_a_domain_error_without_saying_why():
    found = {
        f"{path.relative_to(PACKAGE.parent)}:{line} catches {name}"
        for path in blueprint_modules()
        for line, name in uncommented_catches(path.read_text())
    }

    assert found == set()


def test_the_check_covers_every_blueprint():
    packages = {path.parent.name for path in blueprint_modules()}

    assert {"admin", "api", "scim", "sso"} <= packages


def test_the_check_finds_a_domain_error_caught_without_a_comment():
    source = (
        "from seat_core import SeatError, InvalidQuantity\n"
        "from seat_core.alerts.settings import AlertNotFound as Missing\n"
        "def view():\n"
        "    try:\n"
        "        pass\n"
        "    except (InvalidQuantity, KeyError):\n"
        "        return 1\n"
        "    except Missing:\n"
        "        # Not the blueprint's answer: this page shows the list again.\n"
        "        return 2\n"
        "    except ValueError:\n"
        "        return 3\n"
    )

    assert uncommented_catches(source) == [(6, "InvalidQuantity")]
