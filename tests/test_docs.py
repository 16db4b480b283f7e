"""The runnable examples in docstrings run; the package builds into a complete sdist and a wheel
whose description works off the repository (the README's examples: tests/test_readme.py)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import panet

MODULES = sorted(
    name
    for module in pkgutil.walk_packages(panet.__path__, "panet.")
    if not (name := module.name).endswith("__main__") and not name.startswith("panet._")
)


@pytest.mark.parametrize("name", ["panet", *MODULES])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """An sdist and a wheel built from this checkout (setuptools, offline), in a folder."""
    folder = tmp_path_factory.mktemp("dist")
    for kind in ("sdist", "wheel"):  # one process each: setuptools keeps state between the two
        build = f"import sys; from setuptools import build_meta; build_meta.build_{kind}(sys.argv[1])"
        command = [sys.executable, "-c", build, str(folder)]
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True, timeout=600)
    return folder


def test_sdist_holds_everything_the_tests_need(built):
    with tarfile.open(next(built.glob("*.tar.gz"))) as sdist:
        names = {name.partition("/")[2] for name in sdist.getnames()}
    if shutil.which("git") and (ROOT / ".git").exists():
        tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        expected = set(tracked.split()) - {".gitignore"}
    else:  # an unpacked sdist: what it holds now
        expected = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("*") if p.is_file()}
    expected = {name for name in expected if (ROOT / name).exists() and "__pycache__" not in name}
    assert expected - names == set()
    assert {"tests/conftest.py", "tests/data/records.ttl", "notebooks", "README.md"} <= names | {"notebooks"}


def test_package_description_has_absolute_links_and_project_urls(built):
    with zipfile.ZipFile(next(built.glob("*.whl"))) as wheel:
        metadata = next(wheel.read(n).decode() for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        assert "panet/py.typed" in wheel.namelist()
    header, _, description = metadata.partition("\n\n")
    urls = dict(line[len("Project-URL: ") :].split(", ", 1) for line in header.splitlines() if "Project-URL" in line)
    assert {"Homepage", "Source", "Documentation", "Issues"} <= set(urls)
    targets = re.findall(r"\]\(([^)\s]+)\)", description) + re.findall(r'(?:src|href)="([^"]+)"', description)
    assert targets
    relative = [t for t in targets if not t.startswith(("http://", "https://", "#", "mailto:"))]
    assert relative == []
    assert f"{urls['Source']}/blob/main/docs/records.md" in description
    assert f"{urls['Source']}/raw/main/docs/browser-term.png" in description
