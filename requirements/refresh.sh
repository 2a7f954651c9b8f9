#!/usr/bin/env bash
# Refresh the locked dependency versions, then run the whole suite against them.
#
#   bash requirements/refresh.sh            # newest versions pyproject.toml's ranges allow
#   bash requirements/refresh.sh --upgrade-package flask   # move one package only
#
# app.txt locks what the site needs (README command 1); test.txt adds the test tools
# (README command 2) and is constrained by app.txt, so both install the same site.
# Review `git diff requirements/` and commit only after the suite passed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install -q --disable-pip-version-check uv
fi
compile() {
    uv pip compile pyproject.toml requirements/build.in --universal --python-version 3.11 \
        --generate-hashes --no-header --index-url https://pypi.org/simple "$@"
}
upgrade=(--upgrade)
[ $# -gt 0 ] && upgrade=("$@")
compile "${upgrade[@]}" -o requirements/app.txt
compile "${upgrade[@]}" --extra test -c requirements/app.txt -o requirements/test.txt

bash tests/run.sh -q
