"""The documentation in docs/ keeps up with the code, and nothing points outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

from lms.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SKIP_DIRS = {".git", ".venv", "node_modules", "instance", "__pycache__", ".pytest_cache",
             ".hypothesis", "results"}


def _text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _repository_files():
    for path in ROOT.rglob("*"):
        if path.is_file() and not SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
            yield path


def test_every_setting_the_code_reads_is_in_the_operators_guide():
    names = set()
    for path in (ROOT / "lms").rglob("*.py"):
        names |= set(re.findall(r"\bLMS_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
    assert "LMS_DATABASE_URL" in names
    guide = _text("operations.md")
    assert sorted(n for n in names if f"`{n}`" not in guide) == []


def test_every_command_is_in_the_operators_guide():
    guide = _text("operations.md")
    for name in [*main.commands, "db upgrade"]:
        assert f"`lms {name}" in guide, name


def test_every_api_operation_is_in_the_api_guide(client):
    document = client.get("/api/v1/openapi.json").get_json()
    guide = _text("api.md")
    operations = [(method.upper(), path) for path, item in document["paths"].items()
                  for method in item]
    assert len(operations) >= 17
    for method, path in operations:
        written = "/api/v1" + re.sub(r"\{(\w+)\}", r"<\1>", path)
        assert f"`{method} {written}`" in guide, (method, written)


def test_the_readme_links_the_docs_near_the_top():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    top = readme[:readme.index("## What it is")]
    for target in ("docs/README.md", "docs/authoring.md", "docs/authoring.en.md",
                   "docs/operations.md", "docs/api.md"):
        assert f"]({target})" in top, target


def test_relative_links_in_the_docs_lead_to_files_that_exist():
    pages = [*DOCS.glob("*.md"), ROOT / "README.md"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        # Links inside examples (code blocks, inline code) are the examples' own.
        text = re.sub(r"^(`{3,}).*?^\1$", "", text, flags=re.M | re.S)
        text = re.sub(r"`[^`\n]*`", "", text)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = target.split("#", 1)[0]
            assert (page.parent / path).exists(), f"{page.name}: {target}"


def test_nothing_in_the_repository_points_outside_it():
    # Built from pieces so this file does not match itself.
    outside = re.compile("|".join(re.escape(p) for p in (
        "../" + "shared", "/work/" + "shared", "SPEC" + ".md", "STYLE" + ".md",
        "SECURITY" + ".md")))
    found = []
    for path in _repository_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in outside.finditer(text)]
    assert found == []
