#!/usr/bin/env bash
# (Re)write spark-jobs/contract.json, the lake contract the infrastructure side reads (Glue
# tables, CloudWatch alarms), from schemas.py and metrics.py. Run it after changing either; a
# test fails while the checked-in file is out of date. `--check` only checks.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
# shellcheck source=ensure-venv.sh
source scripts/ensure-venv.sh
exec .venv/bin/python -m marketpulse_jobs.contract "${@:---write}"
