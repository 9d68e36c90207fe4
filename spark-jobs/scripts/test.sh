#!/usr/bin/env bash
# Lint and test the Spark jobs in a project-local virtualenv (spark-jobs/.venv).
# Installs the pinned dev dependencies from pyproject.toml on first use, or when they change.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
# shellcheck source=ensure-venv.sh
source scripts/ensure-venv.sh

.venv/bin/ruff check src tests entrypoints bench scripts
.venv/bin/ruff format --check src tests entrypoints bench scripts
# EMR 7 nodes may run Python 3.9: byte-compile the job sources with 3.9 when it is present, and
# (with any Python) reject `X | None` annotations, which ruff does not report.
py39=""
for c in python3.9 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9*/bin/python3.9; do
  if "$c" -c 'import sys' >/dev/null 2>&1; then py39=$c; break; fi
done
if [[ -z $py39 ]]; then
  echo "python3.9 not found: the Python 3.9 syntax check runs under .venv's Python (ruff still targets py39)"
fi
"${py39:-.venv/bin/python}" scripts/py39_check.py src entrypoints
PYTHONDONTWRITEBYTECODE=1 .venv/bin/python -m pytest "$@"
