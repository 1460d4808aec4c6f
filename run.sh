#!/usr/bin/env bash
# The two commands of the README, on a machine with nothing but Python >= 3.11:
#   ./run.sh serve   set up, build the knowledge graph into var/store, serve it on http://127.0.0.1:8000
#   ./run.sh test    set up (with the system programs some tests use), run the whole test suite
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
# The system programs some tests use, installed when missing if this is a Debian machine we may install on (root,
# apt-get); otherwise the tests that need them are skipped, and this says which.
system_packages() {
  local missing=()
  command -v java >/dev/null 2>&1 || missing+=("default-jre-headless|Java|the HermiT reasoning tests")
  { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } \
    || missing+=("chromium chromium-driver|Chromium|the web interface's browser tests")
  command -v Rscript >/dev/null 2>&1 || missing+=("r-base-core|R|the tutorial's R examples")
  command -v virtuoso-t >/dev/null 2>&1 || missing+=("virtuoso-opensource|Virtuoso|the remote-backend tests on Virtuoso")
  [ ${#missing[@]} -eq 0 ] && return 0
  local packages=() words=() item
  for item in "${missing[@]}"; do read -r -a words <<<"${item%%|*}"; packages+=("${words[@]}"); done
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null \
      && return 0
  fi
  local rest
  for item in "${missing[@]}"; do
    rest=${item#*|}
    echo "note: no ${rest%%|*}: ${rest#*|} are skipped (Debian: apt-get install ${item%%|*})" >&2
  done
}
command=${1:-serve}
shift || true
case "$command" in
  serve) exec .venv/bin/rulakg serve "$@" ;;
  test) system_packages; exec .venv/bin/python -m pytest "$@" ;;
  setup) exit 0 ;;
  *) echo "usage: ./run.sh serve|test|setup [args...]" >&2; exit 2 ;;
esac
