"""axe-core and the Nu HTML checker, for any test that has a page to check.

Both come from node_modules (package.json: `npm ci`, which tests/run.sh does).
A missing tool fails the test with a message saying how to install it: a
check that cannot run must never look like a check that passed.

    from tests.a11y.tools import assert_accessible, assert_valid_html
    assert_accessible(page, "quiz start page")          # Playwright page
    assert_valid_html({"quiz": html_text})               # name -> HTML source
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from lms.config import REPO_ROOT

NODE_MODULES = REPO_ROOT / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
FAILING_IMPACTS = ("serious", "critical")


def require(path: Path, what: str) -> Path:
    if not path.is_file():
        pytest.fail(f"{what} is missing: {path} not found. Run `bash tests/run.sh` "
                    f"(or `npm ci --ignore-scripts` in {REPO_ROOT}).", pytrace=False)
    return path


# -- axe-core -----------------------------------------------------------------

def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now; the browser context needs bypass_csp=True."""
    require(AXE_JS, "axe-core")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return results["violations"]


def format_violations(violations: list[dict], where: str) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']} on {where}: {v['help']}\n    {v['helpUrl']}")
        for node in v["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", "\n        ")
            lines.append(f"    at {target}\n      {node['html'][:200]}\n        {summary}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more element(s)")
    return "\n".join(lines)


def assert_accessible(page, where: str, impacts: tuple[str, ...] = FAILING_IMPACTS) -> list[dict]:
    """Fail on axe violations of the given impacts; print (but allow) the milder ones."""
    violations = axe_violations(page)
    failing = [v for v in violations if v["impact"] in impacts]
    milder = [v for v in violations if v["impact"] not in impacts]
    if milder:
        print(f"axe: milder findings on {where} (not failing):\n{format_violations(milder, where)}")
    assert not failing, (f"axe-core found {len(failing)} serious/critical violation(s) on {where} "
                         f"({page.url}):\n{format_violations(failing, where)}")
    return violations


# -- Nu HTML checker ----------------------------------------------------------

def run_vnu(files: list[Path], also_css: bool = True) -> list[dict]:
    """One JVM for all files: `vnu.jar --format json`; returns its messages."""
    require(VNU_JAR, "the Nu HTML checker (vnu-jar)")
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: the Nu HTML checker needs a Java runtime "
                    "(`apt-get install -y default-jre-headless`, or run `bash tests/run.sh`)",
                    pytrace=False)
    args = [java, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", "--stdout"]
    if also_css:
        args.append("--also-check-css")
    result = subprocess.run([*args, *map(str, files)], capture_output=True, text=True, timeout=300,
                            stdin=subprocess.DEVNULL)
    try:
        return json.loads(result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu.jar gave no JSON (exit {result.returncode}):\n"
                    f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}", pytrace=False)


def format_vnu(messages: list[dict], names: dict[str, str]) -> str:
    lines = []
    for m in messages:
        url = m.get("url", "")
        name = names.get(url.rsplit("/", 1)[-1], url)
        line = m.get("lastLine", m.get("firstLine", "?"))
        extract = (m.get("extract") or "").replace("\n", "⏎")
        lines.append(f"{name}:{line}: {m.get('type')}{'/' + m['subType'] if m.get('subType') else ''}: "
                     f"{m.get('message')}\n    {extract}")
    return "\n".join(lines)


def assert_valid_html(pages: dict[str, str], css: dict[str, str] | None = None) -> list[dict]:
    """Fail on every Nu HTML checker error in the given pages (name -> source text)."""
    with tempfile.TemporaryDirectory(prefix="vnu-") as tmp:
        files, names = [], {}
        for i, (name, text) in enumerate({**pages, **(css or {})}.items()):
            suffix = ".css" if css and name in css else ".html"
            path = Path(tmp) / f"{i:02d}-{''.join(c if c.isalnum() else '-' for c in name)}{suffix}"
            path.write_text(text, encoding="utf-8")
            files.append(path)
            names[path.name] = name
        messages = run_vnu(files, also_css=bool(css))
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    others = [m for m in messages if m not in errors]
    if others:
        print(f"vnu: warnings and notes (not failing):\n{format_vnu(others, names)}")
    assert not errors, f"the Nu HTML checker found {len(errors)} error(s):\n{format_vnu(errors, names)}"
    return messages
