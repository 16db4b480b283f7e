"""Build hook: the package description (PyPI's page) is README.md with its relative links made
absolute under the project's Source URL (pyproject.toml), so that they work off the repository;
README.md itself keeps relative links, which work in any checkout and on any forge.
Everything else is in pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# a Markdown link or image target, or an HTML src/href, that is a relative path
RELATIVE = re.compile(
    r"(?P<image>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)#:\s][^):\s]*)\)"
    r"|(?P<attr>(?:src|href)=\")(?P<html>[^\"#:]+)\""
)


def absolute_links(markdown: str, source: str) -> str:
    """``markdown`` with relative link targets under ``source`` (images as raw files)."""
    base = source.rstrip("/")

    def replace(match: re.Match[str]) -> str:
        if match["attr"]:
            return f'{match["attr"]}{base}/raw/main/{match["html"]}"'
        kind = "raw" if match["image"] else "blob"
        return f"{match['image']}[{match['text']}]({base}/{kind}/main/{match['target']})"

    return RELATIVE.sub(replace, markdown)


def description() -> str:
    source = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Source"]
    return absolute_links((ROOT / "README.md").read_text(encoding="utf-8"), source)


if __name__ == "__main__":
    from setuptools import setup

    setup(long_description=description(), long_description_content_type="text/markdown")
