#!/usr/bin/env bash
# Run the whole pipeline on local folders, step by step as the pipeline does: generate, then
# bronze_to_gold (bronze_to_silver and silver_to_gold in one Spark application); then print each
# job's run summary and the data-quality metrics of the two ETL jobs. Wired as
# `npm run pipeline:local`.
#
# Defaults: 60 trading days from 2024-01-01, 5 symbols, 12 ticks an hour, 1% defects, under
# spark-jobs/.pipeline/ (wiped first). Override with PIPELINE_DIR, PIPELINE_START, PIPELINE_END,
# PIPELINE_SYMBOLS, PIPELINE_TICKS_PER_HOUR, PIPELINE_DEFECT_RATE, PIPELINE_SEED.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
# shellcheck source=ensure-venv.sh
source scripts/ensure-venv.sh

dir=${PIPELINE_DIR:-$here/.pipeline}
start=${PIPELINE_START:-2024-01-01}
end=${PIPELINE_END:-2024-03-22} # 60 weekdays
range=(--start "$start" --end "$end")
rm -rf "$dir"
mkdir -p "$dir"
export MARKETPULSE_LOG_LEVEL=${MARKETPULSE_LOG_LEVEL:-ERROR}

run() {
  local job=$1
  shift
  echo "== $job $*" >&2
  # A job's stdout is its one-line JSON summary; Spark's own output goes to stderr.
  .venv/bin/python -m "marketpulse_jobs.$job" "$@" >/dev/null \
    2> >(grep -v -e '^\s*$' -e ' WARN ' -e 'setLogLevel' -e '^Setting default log level' >&2)
}

run generate "${range[@]}" --symbols "${PIPELINE_SYMBOLS:-5}" --seed "${PIPELINE_SEED:-42}" \
  --ticks-per-hour "${PIPELINE_TICKS_PER_HOUR:-12}" --defect-rate "${PIPELINE_DEFECT_RATE:-0.01}" \
  --bronze "$dir/bronze"
run bronze_to_gold "${range[@]}" --bronze "$dir/bronze" --silver "$dir/silver" \
  --quarantine "$dir/quarantine" --gold "$dir/gold"

label="${start}_${end}"
for summary in "$dir/bronze/_runs/generate/$label.json" \
  "$dir/silver/_runs/bronze_to_silver/$label.json" \
  "$dir/gold/_runs/silver_to_gold/$label.json"; do
  echo "== $summary"
  # The per-day breakdown stays in the file; print the totals, and long date lists in short.
  .venv/bin/python - "$summary" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
summary.pop("days", None)
for key, value in summary.items():
    if isinstance(value, list) and len(value) > 4:
        summary[key] = f"{len(value)} values: {value[0]} ... {value[-1]}"
print(json.dumps(summary, indent=2, sort_keys=True))
PY
done
for metrics in "$dir/silver/_runs/bronze_to_silver/$label.metrics.json" \
  "$dir/gold/_runs/silver_to_gold/$label.metrics.json"; do
  echo "== $metrics"
  # The CloudWatch PutMetricData items, one per line.
  .venv/bin/python - "$metrics" <<'PY'
import json, sys
for item in json.load(open(sys.argv[1]))["MetricData"]:
    dims = ", ".join(f"{d['Name']}={d['Value']}" for d in item["Dimensions"])
    print(f"  {item['MetricName']:<24} {dims:<46} {item['Value']:>14,} {item['Unit']}")
PY
done
echo "Outputs under $dir"
