#!/usr/bin/env bash
# Benchmark the Spark ETL on ~1 GB of generated Bronze prices, against a single-node DuckDB
# baseline on the same files. Wired as `npm run bench:etl`. A benchmark, not a test: it asserts
# nothing and exits 0 unless a job fails.
#
# Arguments go to bench/bench_etl.py, e.g. `npm run bench:etl -- --size-mb 32` for a quick run;
# `--help` lists them. Outputs go under spark-jobs/.bench/ (gitignored).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
# shellcheck source=ensure-venv.sh
source scripts/ensure-venv.sh

# The DuckDB baseline is pinned in pyproject.toml's `dev` extra, which ensure-venv.sh installs.

# In local mode the driver JVM is the executor too. The jobs read MARKETPULSE_DRIVER_MEMORY
# (runtime.get_spark; default 4g). With 6g of the 24 GiB, the 1 GiB run's dedup sort does not
# spill, and the rest is left to the page cache and to DuckDB, which runs afterwards.
export MARKETPULSE_DRIVER_MEMORY=${MARKETPULSE_DRIVER_MEMORY:-6g}
export MARKETPULSE_LOG_LEVEL=${MARKETPULSE_LOG_LEVEL:-ERROR}
exec .venv/bin/python bench/bench_etl.py "$@"
