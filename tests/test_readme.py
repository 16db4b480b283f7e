"""The README's examples run, and say what they print.

Every ```python block runs, in order, in one namespace, in a folder holding the sample files the
examples name (made by `sample_files` from tests/data). A statement whose comment starts with a
Python value (``onto.term("SAXS").id  # 'PaNET01188'``) must evaluate to it (``…`` matches
anything, as doctest's ``...``); comment lines right after a statement that prints are text its
output must contain. Every ``$ panet …`` line of a ```console block runs as a command: it must not
fail (exit status 0, or 1 where it reports problems, as documented), and every file it writes with
``-o`` must exist afterwards; lines after it that are not commands are text its output must
contain. The few lines that cannot run here are in `NOT_RUN`, each with the reason.
"""

from __future__ import annotations

import ast
import contextlib
import doctest
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DATA = Path(__file__).resolve().parent / "data"

# the start of a console line that does not run here, and why
NOT_RUN = {
    "panet serve": "starts a server that runs until stopped (tests/server.py runs it for the service tests)",
    "curl ": "needs the server of the line above",
    "panet harvest https://example.org/oai": "an example address; tests/records/test_records.py harvests a local one",
    "panet catalogue build datasets.jsonl -o postgresql://": "an example server (tests/catalogue start one)",
    "panet annotate-records /data/nexus/": "needs NeXus files (tests/records/test_records.py makes them with h5py)",
    "python3 -m venv": "installs panet: the command that set up this test run",
    ".venv/bin/python -m pytest": "runs this test suite",
}
SPECIFIER_RECORD = """@prefix schema: <http://schema.org/> .
<http://example.org/d> a schema:Dataset ; schema:name "x" ;
    schema:measurementTechnique <http://purl.org/pan-science/PaNET/PaNET2020072> .
"""


def blocks(language: str) -> list[tuple[int, str]]:
    """(line number, text) of each fenced block of ``language`` in the README."""
    found = []
    for match in re.finditer(rf"^```{language}\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL):
        found.append((README.count("\n", 0, match.start()) + 2, match.group(1)))
    return found


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory) -> Path:
    """The files the README's examples name, made from tests/data."""
    folder = tmp_path_factory.mktemp("readme")
    (folder / "records.ttl").write_text(SPECIFIER_RECORD, encoding="utf-8")
    datasets = json.loads((DATA / "records" / "pan_datasets.json").read_text(encoding="utf-8"))
    (folder / "datasets.json").write_text(json.dumps(datasets), encoding="utf-8")
    lines = "".join(json.dumps(record) + "\n" for record in datasets)
    (folder / "datasets.jsonl").write_text(lines, encoding="utf-8")
    (folder / "big.jsonl").write_text(lines, encoding="utf-8")
    shutil.copy(DATA / "records" / "scicat_datasets.json", folder / "export.json")
    shutil.copy(DATA / "records" / "datacite_resource.xml", folder / "dois.xml")
    (folder / "table.csv").write_text(
        'id,title,abstract\n1,SAXS of vesicles,"small angle x-ray scattering, in-situ"\n2,XRD of a zeolite,powder\n',
        encoding="utf-8",
    )
    shutil.copy(ROOT / "ontology" / "PaNET.csv", folder / "PaNET.csv")  # "your template"
    (folder / "titles.txt").write_text("in-situ GISAXS of films\nx ray diffraction\n\n", encoding="utf-8")
    return folder


def literal_prefix(comment: str) -> str | None:
    """The Python value a comment starts with (``'PaNET01124', the technique …`` → ``'PaNET01124'``), or None."""
    if not re.match(r"""['"(\[{\d-]|True\b|False\b|None\b""", comment):
        return None
    depth, quote = 0, ""
    for i, char in enumerate(comment):
        if quote:
            quote = "" if char == quote and comment[i - 1] != "\\" else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and char in " ,;:":
            return _value(comment[:i])
    return _value(comment) if depth == 0 and not quote else None


def _value(text: str) -> str | None:
    """``text`` if it reads as a Python value (a bracket or a quote first: also with … inside)."""
    if text[0] in "'\"([{":
        return text
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None  # e.g. "1.0.0 1.1.0 …": a list of words, not a value
    return text


def matches(expected: str, got: str) -> bool:
    return doctest.OutputChecker().check_output(expected.replace("…", "..."), got, doctest.ELLIPSIS)


def test_python_examples_run_and_give_what_they_say(sample_files, monkeypatch):
    monkeypatch.chdir(sample_files)
    namespace: dict = {"texts": ["SAXS of films", "powder XRD", ""] * 10}
    for start, code in blocks("python"):
        lines = code.splitlines()
        tree = ast.parse(code)
        for index, statement in enumerate(tree.body):
            where = f"README.md line {start + statement.lineno - 1}"
            source = ast.get_source_segment(code, statement)
            output = io.StringIO()
            with contextlib.redirect_stdout(output):
                if isinstance(statement, ast.Expr):
                    value = eval(compile(ast.Expression(statement.value), where, "eval"), namespace)
                else:
                    exec(compile(ast.Module([statement], []), where, "exec"), namespace)
            comment = lines[statement.end_lineno - 1].partition("  # ")[2]
            claimed = literal_prefix(comment) if isinstance(statement, ast.Expr) else None
            if claimed is not None:
                assert matches(claimed, repr(value)), f"{where}: {source} gives {value!r}, the README says {claimed}"
            following = tree.body[index + 1].lineno - 1 if index + 1 < len(tree.body) else len(lines)
            for line in lines[statement.end_lineno : following]:
                if line.startswith("# ") and output.getvalue():
                    assert line[2:] in output.getvalue(), f"{where}: {source} printed {output.getvalue()!r}"


def console_lines() -> list[tuple[int, str, list[str]]]:
    """(README line, command, expected output lines) of each ``$`` line of the console blocks."""
    found: list[tuple[int, str, list[str]]] = []
    for start, code in blocks("console"):
        block: list[tuple[int, str, list[str]]] = []
        for offset, line in enumerate(code.splitlines()):
            if line.startswith("$ "):
                block.append((start + offset, line[2:], []))
            elif block and line.strip():
                block[-1][2].append(line)
        found += block
    for start, code in blocks("bash"):
        for offset, line in enumerate(code.splitlines()):
            if line.strip() and not line.startswith("$ "):
                found.append((start + offset, line, []))
    return found


@pytest.mark.parametrize(("line", "command", "expected"), console_lines(), ids=lambda v: str(v)[:60])
def test_console_examples_run(sample_files, line, command, expected):
    reason = next((why for prefix, why in NOT_RUN.items() if command.startswith(prefix)), None)
    if reason is not None:
        pytest.skip(f"README.md line {line}: {reason}")
    words = shlex.split(command, comments=True)
    assert words[0] == "panet", f"README.md line {line}: add {command!r} to NOT_RUN with a reason, or make it run"
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
    shell_line = command.split(" #")[0] if not re.search(r"['\"].*#.*['\"]", command) else command
    done = subprocess.run(
        ["bash", "-c", shell_line], cwd=sample_files, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode in (0, 1), f"README.md line {line}: {command}\n{done.stderr}"
    if done.returncode == 1:  # "ran but found problems": only where the README says so
        assert words[1] in ("validate", "annotate-records", "search"), f"README.md line {line}: {done.stderr}"
    for option in ("-o", "--output"):
        if option in words:
            assert (sample_files / words[words.index(option) + 1]).exists(), f"README.md line {line}: no output file"
    for text in expected:
        assert text in done.stdout, f"README.md line {line}: {command} printed {done.stdout!r}"
