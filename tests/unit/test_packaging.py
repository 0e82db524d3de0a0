"""The built wheel: every template and static file is in it, and the build does not warn."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("seat_core", "scim_gateway", "setup.cfg", "pyproject.toml", "README.md")


def package_files() -> set[str]:
    """Return the files of scim_gateway that are not Python, as paths inside a wheel."""
    package = ROOT / "scim_gateway"
    return {
        path.relative_to(ROOT).as_posix()
        for path in package.rglob("*")
        if path.is_file()
        and path.suffix not in (".py", ".pyc", ".pot", ".tmp")
        and path.name != ".gitignore"
    }


def build_wheel(tmp_path: Path) -> tuple[Path, str]:
    """Build a wheel from a copy of the sources; return it and the build's output."""
    source = tmp_path / "source"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(ROOT / name, source / name)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        check=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    return wheel, result.stdout + result.stderr


def test_the_wheel_holds_every_template_and_static_file_and_the_build_does_not_warn(tmp_path):
    expected = package_files()

    wheel, output = build_wheel(tmp_path)

    names = set(zipfile.ZipFile(wheel).namelist())
    assert expected <= names, sorted(expected - names)
    assert not any("__pycache__" in name for name in names)
    assert "absent from the `packages` configuration" not in output
    assert "Package would be ignored" not in output
