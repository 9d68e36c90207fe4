#!/usr/bin/env bash
# Lint and test the Spark jobs in a project-local virtualenv (spark-jobs/.venv).
# Installs the pinned dev dependencies from pyproject.toml on first use, or when they change.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
# shellcheck source=ensure-venv.sh
source scripts/ensure-venv.sh

.venv/bin/ruff check src tests entrypoints bench
.venv/bin/ruff format --check src tests entrypoints bench
# EMR 7 nodes may run Python 3.9: byte-compile the job sources with 3.9 when it is present.
py39=""
for c in python3.9 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9*/bin/python3.9; do
  if "$c" -c 'import sys' >/dev/null 2>&1; then py39=$c; break; fi
done
if [[ -n $py39 ]]; then
  "$py39" - <<'PY'
import pathlib, sys
bad = 0
for p in pathlib.Path("src").rglob("*.py"):
    try:
        compile(p.read_text(), str(p), "exec")
    except SyntaxError as e:
        print(f"{p}:{e.lineno}: not Python 3.9 syntax: {e.msg}")
        bad += 1
sys.exit(1 if bad else 0)
PY
else
  echo "python3.9 not found: skipping the Python 3.9 syntax check (ruff still targets py39)"
fi
PYTHONDONTWRITEBYTECODE=1 .venv/bin/python -m pytest "$@"
