"""An issued assertion and its baked image pass the 1EdTech Open Badges verifier.

The verifier (PyPI `openbadges`) needs old libraries, so it lives in a venv of its own,
built once under ~/.cache (or LMS_OPENBADGES_VENV) and reused. It runs offline: the
JSON-LD context comes from the copy it ships, and the hosted JSON and images come from
this app served over real HTTP on 127.0.0.1. If the venv cannot be built the test fails;
it never skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from tests.certs.conftest import CONTENT
from tests.conftest import make_app

TOOL = Path(__file__).parent / "tools" / "ob_validate.py"
VENV = Path(os.environ.get("LMS_OPENBADGES_VENV")
            or Path.home() / ".cache" / "partner-academy" / "openbadges-venv")


def _works(python: Path) -> bool:
    return python.exists() and subprocess.run(
        [str(python), "-c", "import openbadges, jose, Crypto"], capture_output=True).returncode == 0


def openbadges_python() -> Path:
    python = VENV / "bin" / "python"
    if _works(python):
        return python
    building = VENV.with_name(f"{VENV.name}.build-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    building.parent.mkdir(parents=True, exist_ok=True)
    base = getattr(sys, "_base_executable", None) or sys.executable
    steps = [[base, "-m", "venv", str(building)],
             [str(building / "bin" / "python"), "-m", "pip", "install", "-q", "openbadges"],
             # The verifier's pinned crypto and tz libraries fail on Python 3.11.
             [str(building / "bin" / "python"), "-m", "pip", "install", "-q", "-U",
              "pycryptodome", "python-jose", "pytz"]]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"building the openbadges venv failed: {step}\n{result.stderr}"
    shutil.rmtree(VENV, ignore_errors=True)
    try:
        building.rename(VENV)  # only bin/python is used, which survives a move
    except OSError:  # another run won the race
        shutil.rmtree(building, ignore_errors=True)
    assert _works(python), "the openbadges venv does not import openbadges"
    return python


@pytest.fixture(scope="module")
def verifier() -> Path:
    return openbadges_python()


@pytest.fixture()
def live(app, db, tmp_path):
    """This app over real HTTP on a free port, with LMS_BASE_URL pointing at it."""
    served = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                      CONTENT_DIR=str(CONTENT), SERVER_NAME=None)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    served.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served.config["BASE_URL"]
    server.shutdown()
    thread.join()
    with served.app_context():
        from lms.extensions import db as _db

        _db.engine.dispose()


def run_verifier(python: Path, *args: str) -> dict:
    result = subprocess.run([str(python), str(TOOL), *args], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_issued_assertion_and_baked_image_validate(verifier, live, make, facts, award, tmp_path):
    user = make.user("learner", org=make.org(), email="valid.holder@example.com")
    facts.bronze_ready(user)
    cert = award(user).awarded[0]
    url = f"{live}/badges/assertions/{cert.id}.json"
    assert requests.get(url, timeout=10).json()["id"] == url

    hosted = run_verifier(verifier, url)
    report = hosted["report"]
    assert report["valid"] is True, report["messages"]
    assert report["errorCount"] == 0, report["messages"]
    types = {node.get("type") for node in hosted["graph"]}
    assert {"Assertion", "BadgeClass", "Issuer"} <= types

    baked = tmp_path / "badge.png"
    baked.write_bytes(requests.get(f"{live}/badges/assertions/{cert.id}.png", timeout=10).content)
    from_image = run_verifier(verifier, "--baked", str(baked))["report"]
    assert from_image["valid"] is True, from_image["messages"]
    assert from_image["errorCount"] == 0, from_image["messages"]


def test_revoked_assertion_fails_validation(verifier, live, make, facts, award):
    from lms.services.certifications import revoke

    user = make.user("learner", org=make.org())
    facts.bronze_ready(user)
    cert = award(user).awarded[0]
    revoke(cert.id, "Misconduct", actor_id=None)
    report = run_verifier(verifier, f"{live}/badges/assertions/{cert.id}.json")["report"]
    assert report["valid"] is False
