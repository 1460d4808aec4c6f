#!/usr/bin/env bash
# The two commands of the README, on a machine with nothing but Python >= 3.11:
#   ./run.sh serve   set up, build the knowledge graph into var/store, serve it on http://127.0.0.1:8000
#   ./run.sh test    set up, run the whole test suite
# Set-up (idempotent): a virtual environment in .venv with the project and its test dependencies.
set -euo pipefail
cd "$(dirname "$0")"
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test]"
  touch "$stamp"
fi
# The web interface's libraries (YASGUI, ECharts): tarballs from the npm registry pinned by
# src/rulakg/ui/package-lock.json, integrity-checked, unpacked into src/rulakg/ui/vendor/ (no node needed).
.venv/bin/python -m rulakg.ui.vendor
command=${1:-serve}
shift || true
case "$command" in
  serve) exec .venv/bin/rulakg serve "$@" ;;
  test) exec .venv/bin/python -m pytest "$@" ;;
  setup) exit 0 ;;
  *) echo "usage: ./run.sh serve|test|setup [args...]" >&2; exit 2 ;;
esac
