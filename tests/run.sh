#!/usr/bin/env bash
# The one test entry: install what the suite needs, then run all of it.
#
#   bash tests/run.sh [pytest args…]     e.g. bash tests/run.sh tests/browser -x
#
# On a fresh Debian machine (as root) it installs chromium, fonts, Java and Node
# with apt, creates .venv, installs the locked test dependencies, the project and the npm
# test tools (axe-core, vnu-jar). Every step is skipped when already done, so a
# second run starts pytest within a second or two.
# LMS_TEST_DATABASE_URL=postgresql://… runs the suite against PostgreSQL.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
CHROMIUM=${LMS_TEST_CHROMIUM:-/usr/bin/chromium}
say() { echo "tests/run.sh: $*" >&2; }

# -- system packages ----------------------------------------------------------
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)   # Japanese text in the browser
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)   # the Nu HTML checker
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ! -x .venv/bin/python ] && ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        say "missing system packages: ${missing[*]}; install them as root (apt-get install -y ${missing[*]})"
        exit 1
    fi
    say "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# -- Python: .venv with the project and its test extra ------------------------
if [ ! -x .venv/bin/python ]; then
    PYTHON=${PYTHON:-python3}
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { say "$PYTHON is older than 3.11 (set PYTHON=/path/to/python3.11)"; exit 1; }
    say "creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
fi
# Exact versions with hashes from the lock (requirements/refresh.sh renews it), then the
# project itself without touching its dependencies.
stamp=$(cat pyproject.toml requirements/test.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.test-install-stamp 2>/dev/null)" != "$stamp" ] || [ ! -x .venv/bin/lms ]; then
    say "pip install --require-hashes -r requirements/test.txt"
    .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements/test.txt
    .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
    echo "$stamp" > .venv/.test-install-stamp
fi

# -- npm: axe-core, vnu-jar, oidc-provider (devDependencies only; no install scripts)
if [ -f package-lock.json ]; then
    stamp=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
else
    stamp=$(sha256sum < package.json | cut -d' ' -f1)
fi
if [ "$(cat node_modules/.test-install-stamp 2>/dev/null)" != "$stamp" ] \
        || [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ] \
        || [ ! -f node_modules/oidc-provider/package.json ]; then
    if [ -f package-lock.json ]; then
        say "npm ci"
        npm ci --ignore-scripts --no-audit --no-fund
    else
        say "npm install (no package-lock.json)"
        npm install --ignore-scripts --no-audit --no-fund
    fi
    echo "$stamp" > node_modules/.test-install-stamp
fi

# -- the whole suite ------------------------------------------------------------
say "python -m pytest $* (database: ${LMS_TEST_DATABASE_URL:-SQLite})"
exec "$ROOT/.venv/bin/python" -m pytest "$@"
