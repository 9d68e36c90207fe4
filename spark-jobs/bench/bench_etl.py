"""Benchmark the Spark ETL in local mode against a single-node DuckDB baseline.

    bash spark-jobs/scripts/bench_etl.sh [--size-mb 1024] [--work-dir DIR] ...   (npm run bench:etl)

1. ``generate`` writes about ``--size-mb`` MiB of uncompressed Bronze prices (JSON lines) for the
   weekdays of ``--start``..``--end``: ``--symbols`` symbols, with ``--ticks-per-hour`` chosen
   so that the prices add up to the size asked for. An earlier Bronze made with the same
   arguments is reused (``--regenerate`` forces a new one).
2. Spark: the pipeline's step, ``bronze_to_gold`` (``bronze_to_silver`` then ``silver_to_gold``
   in one Spark application), for the whole range, run through its CLI (``python -m
   marketpulse_jobs.bronze_to_gold``) as a user would, so the wall time includes the JVM start.
   The silver_to_gold stage is the time its run summary gives; bronze_to_silver is the rest.
   ``--separate-jobs`` runs the two jobs' CLIs one after the other instead (two JVMs), as an
   operator rerunning one stage would. Row counts come from the jobs' JSON run summaries.
3. DuckDB, on the same Bronze files (``--duckdb-runs`` times, before and after Spark; the
   table uses the median times): the same validity rules, exact-duplicate drop and
   (symbol, ts, source) conflict resolution, Silver and quarantine written as Parquet
   partitioned by trade_date; then daily OHLCV + vwap and the Gold indicators, and the
   pairwise return correlations.
4. A side-by-side table, the total Spark time against the 5-minute target for 1 GiB, and a
   cross-check that both engines produced the same Silver rows and the same daily rows.

A benchmark, not a test: it prints figures and only fails when a job does. Other work on the
machine skews the timings, so the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent  # spark-jobs/
MiB = 1024 * 1024
TARGET_SECONDS = 300  # the original team's target for 1 GiB through Gold, on a whole cluster
TARGET_MB = 1024
# One generated price line is ~95 bytes (symbol, millisecond ts, 4-decimal price, volume,
# source); measured on generated data, and only used to pick --ticks-per-hour.
BYTES_PER_TICK = 95.4

# The Bronze -> Silver rules of docs/data-contracts.md, as RE2 patterns for DuckDB (anchored by
# regexp_full_match). They mirror marketpulse_jobs.quality.
SYMBOL_RE = r"[A-Z][A-Z0-9.\-]{0,9}"
TS_RE = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|\+00:00)"
NUMBER_RE = r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?"
INTEGER_RE = r"0|[1-9]\d{0,17}"

# Gold indicators the DuckDB baseline computes (daily_prices) and the tables it leaves out.
BASELINE_OMITS = "sentiment_daily (the baseline does not ingest news)"


# --- helpers -------------------------------------------------------------------------------


def weekdays(start: dt.date, end: dt.date) -> int:
    return sum(1 for i in range((end - start).days + 1) if (start + dt.timedelta(i)).weekday() < 5)


def dir_bytes(path: Path, suffix: str = "") -> int:
    """Bytes of the data files under ``path`` (skipping _runs, _SUCCESS and .crc files)."""
    total = 0
    for root, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if not d.startswith(("_", "."))]
        for name in files:
            if not name.startswith(("_", ".")) and name.endswith(suffix):
                total += (Path(root) / name).stat().st_size
    return total


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def fmt_rate(n: float, seconds: float) -> str:
    return f"{n / seconds:,.0f}" if seconds > 0 else "-"


def fmt_mbs(nbytes: float, seconds: float) -> str:
    return f"{nbytes / MiB / seconds:,.1f}" if seconds > 0 else "-"


def run_job(job: str, args: list[str], log: Path) -> tuple[dict, float]:
    """Run ``python -m marketpulse_jobs.<job> ARGS``; return (the run summaries it printed, by
    job, and the wall seconds)."""
    cmd = [sys.executable, "-m", f"marketpulse_jobs.{job}", *args]
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("w") as err:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        tail = log.read_text().splitlines()[-30:]
        sys.exit(f"{job} failed (exit {proc.returncode}); last lines of {log}:\n" + "\n".join(tail))
    summaries = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {summary["job"]: summary for summary in summaries}, wall


# --- generate -------------------------------------------------------------------------------


def ensure_bronze(args, work: Path) -> dict:
    """Generate Bronze (or reuse an identical earlier one); return the generate summary."""
    bronze = work / "bronze"
    label = f"{args.start}_{args.end}"
    summary_file = bronze / "_runs" / "generate" / f"{label}.json"
    wanted = {
        "start": args.start.isoformat(),
        "end": args.end.isoformat(),
        "seed": args.seed,
        "ticks_per_hour": args.ticks_per_hour,
        "defect_rate": args.defect_rate,
        "trading_days": weekdays(args.start, args.end),
    }
    if summary_file.exists() and not args.regenerate:
        summary = json.loads(summary_file.read_text())
        same = all(summary.get(k) == v for k, v in wanted.items())
        if same and len(summary.get("symbols", [])) == args.symbols:
            prices = summary["prices"]
            print(
                f"generate: reusing {bronze}, {prices['non_blank_lines']:,} price lines, "
                f"{prices['bytes'] / MiB:,.1f} MiB (same arguments; --regenerate makes a new one)"
            )
            return summary
    shutil.rmtree(bronze, ignore_errors=True)
    summary, wall = run_job(
        "generate",
        [
            "--start", args.start.isoformat(), "--end", args.end.isoformat(),
            "--symbols", str(args.symbols), "--seed", str(args.seed),
            "--ticks-per-hour", str(args.ticks_per_hour),
            "--defect-rate", str(args.defect_rate), "--bronze", str(bronze),
        ],
        work / "logs" / "generate.log",
    )  # fmt: skip
    prices = summary["prices"]
    print(
        f"generate: {wall:.1f} s wall, {prices['non_blank_lines']:,} price lines, "
        f"{prices['bytes'] / MiB:,.1f} MiB ({fmt_mbs(prices['bytes'], wall)} MiB/s written)"
    )
    return summary


# --- Spark ----------------------------------------------------------------------------------


def run_spark(args, work: Path) -> dict:
    bronze, out = work / "bronze", work / "spark"
    shutil.rmtree(out, ignore_errors=True)
    rng = ["--start", args.start.isoformat(), "--end", args.end.isoformat()]
    roots = {layer: str(out / layer) for layer in ("silver", "quarantine", "gold")}
    b2s_args = [*rng, "--bronze", str(bronze), "--silver", roots["silver"],
                "--quarantine", roots["quarantine"]]  # fmt: skip
    s2g_args = [*rng, "--silver", roots["silver"], "--gold", roots["gold"]]
    logs = work / "logs"
    if args.separate_jobs:
        done, b2s_wall = run_job("bronze_to_silver", b2s_args, logs / "bronze_to_silver.log")
        s2g_done, s2g_wall = run_job("silver_to_gold", s2g_args, logs / "silver_to_gold.log")
        done.update(s2g_done)
    else:
        done, wall = run_job(
            "bronze_to_gold", [*b2s_args, "--gold", roots["gold"]], logs / "bronze_to_gold.log"
        )
        # One JVM: silver_to_gold's own time, and everything else (JVM start included) before it.
        s2g_wall = done["silver_to_gold"]["elapsed_seconds"]
        b2s_wall = wall - s2g_wall
    b2s, s2g = done["bronze_to_silver"], done["silver_to_gold"]
    in_rows = b2s["prices"]["non_blank_lines"] + b2s["news"]["non_blank_lines"]
    in_bytes = b2s["prices"]["input_bytes"] + b2s["news"]["input_bytes"]
    print(
        f"spark bronze_to_silver: {b2s_wall:.1f} s wall (job says {b2s['elapsed_seconds']:.1f} s), "
        f"{in_rows:,} lines in, {fmt_rate(in_rows, b2s_wall)} rows/s, "
        f"{fmt_mbs(in_bytes, b2s_wall)} MiB/s of {in_bytes / MiB:,.1f} MiB JSON; "
        f"{b2s['prices']['silver_rows']:,} Silver prices, "
        f"invariant holds: {b2s['invariant_holds']}; "
        f"{load()}"
    )
    silver_bytes = dir_bytes(out / "silver", ".parquet")
    ticks = s2g["silver_ticks"]
    print(
        f"spark silver_to_gold:   {s2g_wall:.1f} s wall (job says {s2g['elapsed_seconds']:.1f} s), "
        f"{ticks:,} ticks in, {fmt_rate(ticks, s2g_wall)} rows/s, "
        f"{fmt_mbs(silver_bytes, s2g_wall)} MiB/s of {silver_bytes / MiB:,.1f} MiB Parquet; "
        f"{s2g['daily_prices']['rows']:,} daily rows, "
        f"{s2g['correlations']['rows']:,} correlations; "
        f"{load()}"
    )
    return {
        "b2s": {"wall": b2s_wall, "rows": in_rows, "bytes": in_bytes},
        "s2g": {"wall": s2g_wall, "rows": ticks, "bytes": silver_bytes},
        "silver_rows": b2s["prices"]["silver_rows"],
        "quarantined_rows": b2s["prices"]["quarantined_rows"],
        "duplicates": b2s["prices"]["exact_duplicates_dropped"],
        "daily_rows": s2g["daily_prices"]["rows"],
        "correlation_rows": s2g["correlations"]["rows"],
    }


# --- DuckDB baseline ------------------------------------------------------------------------


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def bronze_to_silver_sql(bronze_glob: str) -> str:
    """One row per non-blank Bronze price line with its _status, as marketpulse_jobs does."""
    errors = [
        ("missing_symbol", "symbol IS NULL"),
        ("bad_symbol", f"symbol IS NOT NULL AND NOT regexp_full_match(symbol, {_lit(SYMBOL_RE)})"),
        ("missing_ts", "ts_text IS NULL"),
        ("bad_ts", "ts_text IS NOT NULL AND ts IS NULL"),
        ("ts_outside_partition",
         "ts IS NOT NULL AND substr(ts_text, 1, 10) <> CAST(trade_date AS VARCHAR)"),
        ("missing_price", "price_text IS NULL"),
        ("bad_price",
         "price_text IS NOT NULL AND NOT coalesce(price > 0 AND isfinite(price), false)"),
        ("missing_volume", "volume_text IS NULL"),
        ("bad_volume", "volume_text IS NOT NULL AND volume IS NULL"),
        ("missing_source", r"source IS NULL OR NOT regexp_matches(source, '\S')"),
    ]  # fmt: skip
    reasons = ", ".join(f"CASE WHEN {cond} THEN '{code}' END" for code, cond in errors)
    return rf"""
    WITH lines AS (
      SELECT line AS raw, filename AS file,
             CAST(regexp_extract(filename, '/date=(\d{{4}}-\d{{2}}-\d{{2}})/', 1) AS DATE)
               AS trade_date
      FROM read_csv({_lit(bronze_glob)}, columns = {{'line': 'VARCHAR'}}, delim = '\x1f',
                    quote = '', escape = '', header = false, auto_detect = false,
                    filename = true)
      WHERE line IS NOT NULL AND regexp_matches(line, '\S')  -- blank lines are not records
    ), parsed AS (
      -- json_type throws on invalid JSON: CASE only evaluates it where json_valid holds.
      SELECT *, CASE WHEN json_valid(raw) THEN json_type(raw) = 'OBJECT' ELSE false END
               AS json_ok
      FROM lines
    ), fields AS (
      SELECT raw, file, trade_date, json_ok,
             CASE WHEN json_ok THEN json_extract_string(
               raw, ['$.symbol', '$.ts', '$.price', '$.volume', '$.source']) END AS f
      FROM parsed
    ), typed AS (
      SELECT raw, file, trade_date, json_ok,
             f[1] AS symbol, f[2] AS ts_text, f[3] AS price_text, f[4] AS volume_text,
             f[5] AS source,
             -- Fractions of up to 9 digits, truncated to microseconds, as Spark does.
             CASE WHEN regexp_full_match(f[2], {_lit(TS_RE)}) THEN
               try_strptime(substr(f[2], 1, 19), '%Y-%m-%dT%H:%M:%S')
               + to_microseconds(CAST(rpad(left(regexp_extract(f[2], '\.(\d+)', 1), 6), 6, '0')
                                      AS BIGINT)) END AS ts,
             CASE WHEN regexp_full_match(f[3], {_lit(NUMBER_RE)})
               THEN TRY_CAST(f[3] AS DOUBLE) END AS price,
             CASE WHEN regexp_full_match(f[4], {_lit(INTEGER_RE)})
               THEN TRY_CAST(f[4] AS BIGINT) END AS volume
      FROM fields
    ), validated AS (
      SELECT *,
             CASE WHEN json_ok THEN list_filter([{reasons}], lambda x: x IS NOT NULL)
                  ELSE ['invalid_json'] END AS errors
      FROM typed
    ), keyed AS (
      SELECT *, len(errors) = 0 AS ok FROM validated
    ), ranked AS (
      -- Valid records grouped by (symbol, ts, source), invalid ones by their raw line; the
      -- raw line that sorts first wins.
      SELECT *,
             row_number() OVER w = 1 AS first,
             coalesce(lag(raw) OVER w = raw, false) AS same_line,
             first_value(price) OVER w AS kept_price,
             first_value(volume) OVER w AS kept_volume
      FROM keyed
      WINDOW w AS (
        PARTITION BY trade_date, CASE WHEN ok THEN symbol END, CASE WHEN ok THEN ts END,
                     CASE WHEN ok THEN source END, CASE WHEN NOT ok THEN raw END
        ORDER BY raw)
    )
    SELECT raw, file, trade_date, symbol, ts_text, price_text, volume_text, source, ts, price,
           volume,
           CASE WHEN first THEN (CASE WHEN ok THEN 'silver' ELSE 'quarantined' END)
                WHEN same_line OR (ok AND price IS NOT DISTINCT FROM kept_price
                                      AND volume IS NOT DISTINCT FROM kept_volume)
                  THEN 'duplicate'
                ELSE 'quarantined' END AS status,
           CASE WHEN ok AND NOT first AND NOT same_line THEN ['conflicting_duplicate']
                ELSE errors END AS errors
    FROM ranked
    """


def daily_prices_sql(silver_glob: str) -> str:
    """Daily OHLCV + vwap and every daily_prices indicator, with the Gold conventions."""
    return rf"""
    WITH RECURSIVE ohlcv AS (
      SELECT symbol, trade_date,
             arg_min(price, struct_pack(ts, source, price, volume)) AS open,
             max(price) AS high, min(price) AS low,
             arg_max(price, struct_pack(ts, source, price, volume)) AS close,
             CAST(sum(volume) AS BIGINT) AS volume,
             CASE WHEN sum(volume) > 0 THEN CAST(sum(CAST(price * volume AS DECIMAL(38, 10)))
                                                 AS DOUBLE) / sum(volume) END AS vwap
      FROM read_parquet({_lit(silver_glob)}, hive_partitioning = true)
      GROUP BY symbol, trade_date
    ), base AS (
      SELECT *,
             row_number() OVER s AS rn,
             close / lag(close) OVER s - 1 AS return_1d,
             CASE WHEN count(close) OVER w20 = 20 THEN avg(close) OVER w20 END AS sma_20,
             CASE WHEN count(close) OVER w50 = 50 THEN avg(close) OVER w50 END AS sma_50,
             CASE WHEN count(close) OVER w20 = 20 THEN stddev_pop(close) OVER w20 END AS sd_20,
             greatest(close - lag(close) OVER s, 0) AS gain,
             greatest(lag(close) OVER s - close, 0) AS loss
      FROM ohlcv
      WINDOW s AS (PARTITION BY symbol ORDER BY trade_date),
             w20 AS (PARTITION BY symbol ORDER BY trade_date
                     ROWS BETWEEN 19 PRECEDING AND CURRENT ROW),
             w50 AS (PARTITION BY symbol ORDER BY trade_date
                     ROWS BETWEEN 49 PRECEDING AND CURRENT ROW)
    ), z AS (
      SELECT *,
             count(return_1d) OVER p20 AS zn, avg(return_1d) OVER p20 AS zmean,
             stddev_samp(return_1d) OVER p20 AS zsd
      FROM base
      WINDOW p20 AS (PARTITION BY symbol ORDER BY trade_date
                     ROWS BETWEEN 20 PRECEDING AND 1 PRECEDING)
    ), rec AS (
      -- The recursive indicators, one row per step: EMA(12), EMA(26) and the MACD signal
      -- (EMA 9 of the MACD line) seeded with the simple average of their first n values,
      -- k = 2/(n+1); Wilder's average gain and loss seeded with the first 14 changes.
      SELECT symbol, rn, close AS s12, close AS s26, CAST(NULL AS DOUBLE) AS ema_12,
             CAST(NULL AS DOUBLE) AS ema_26, CAST(NULL AS DOUBLE) AS macd,
             0.0::DOUBLE AS msum, CAST(NULL AS DOUBLE) AS macd_signal,
             0.0::DOUBLE AS gsum, 0.0::DOUBLE AS lsum,
             CAST(NULL AS DOUBLE) AS avg_gain, CAST(NULL AS DOUBLE) AS avg_loss
      FROM base WHERE rn = 1
      UNION ALL
      SELECT b.symbol, b.rn,
             CASE WHEN b.rn <= 12 THEN r.s12 + b.close END AS n12,
             CASE WHEN b.rn <= 26 THEN r.s26 + b.close END AS n26,
             CASE WHEN b.rn = 12 THEN n12 / 12
                  WHEN b.rn > 12 THEN (b.close - r.ema_12) * (2.0 / 13) + r.ema_12 END AS e12,
             CASE WHEN b.rn = 26 THEN n26 / 26
                  WHEN b.rn > 26 THEN (b.close - r.ema_26) * (2.0 / 27) + r.ema_26 END AS e26,
             e12 - e26 AS m,
             CASE WHEN b.rn <= 34 AND m IS NOT NULL THEN r.msum + m ELSE r.msum END AS ms,
             CASE WHEN b.rn = 34 THEN ms / 9
                  WHEN b.rn > 34 THEN (m - r.macd_signal) * (2.0 / 10) + r.macd_signal END,
             CASE WHEN b.rn <= 15 THEN r.gsum + b.gain ELSE r.gsum END AS gs,
             CASE WHEN b.rn <= 15 THEN r.lsum + b.loss ELSE r.lsum END AS ls,
             CASE WHEN b.rn = 15 THEN gs / 14
                  WHEN b.rn > 15 THEN (r.avg_gain * 13 + b.gain) / 14 END,
             CASE WHEN b.rn = 15 THEN ls / 14
                  WHEN b.rn > 15 THEN (r.avg_loss * 13 + b.loss) / 14 END
      FROM rec r JOIN base b ON b.symbol = r.symbol AND b.rn = r.rn + 1
    )
    SELECT symbol, trade_date, open, high, low, close, volume, vwap, return_1d,
           sma_20, sma_50, ema_12, ema_26, macd, macd_signal, macd - macd_signal AS macd_hist,
           CASE WHEN avg_loss = 0 THEN 100.0
                ELSE 100.0 - 100.0 / (1.0 + avg_gain / avg_loss) END AS rsi_14,
           sma_20 AS bb_mid_20, sma_20 + 2 * sd_20 AS bb_upper_20,
           sma_20 - 2 * sd_20 AS bb_lower_20,
           CASE WHEN zn = 20 AND zsd > 0 THEN (return_1d - zmean) / zsd END
             AS return_zscore_20,
           abs(return_zscore_20) > 3 AS is_anomaly
    FROM z JOIN rec USING (symbol, rn)
    """


CORRELATIONS_SQL = """
    WITH calendar AS (
      SELECT trade_date, row_number() OVER (ORDER BY trade_date) AS day_index
      FROM (SELECT DISTINCT trade_date FROM daily)
    ), r AS (
      SELECT symbol, trade_date, return_1d, day_index FROM daily JOIN calendar USING (trade_date)
    ), pairs AS (
      SELECT a.trade_date, a.day_index, a.symbol AS symbol_a, b.symbol AS symbol_b,
             a.return_1d AS ra, b.return_1d AS rb
      FROM r a JOIN r b ON a.trade_date = b.trade_date AND a.symbol < b.symbol
    ), stats AS (
      SELECT *,
             corr(ra, rb) OVER w30 AS c30, count(ra + rb) OVER w30 AS n30,
             corr(ra, rb) OVER w90 AS c90, count(ra + rb) OVER w90 AS n90
      FROM pairs
      WINDOW w30 AS (PARTITION BY symbol_a, symbol_b ORDER BY day_index
                     RANGE BETWEEN 29 PRECEDING AND CURRENT ROW),
             w90 AS (PARTITION BY symbol_a, symbol_b ORDER BY day_index
                     RANGE BETWEEN 89 PRECEDING AND CURRENT ROW)
    )
    SELECT trade_date, symbol_a, symbol_b, 30 AS "window",
           CASE WHEN n30 >= 30 AND NOT isnan(c30) THEN greatest(-1.0, least(1.0, c30)) END
             AS corr, n30 AS n
    FROM stats
    UNION ALL
    SELECT trade_date, symbol_a, symbol_b, 90,
           CASE WHEN n90 >= 90 AND NOT isnan(c90) THEN greatest(-1.0, least(1.0, c90)) END,
           n90
    FROM stats
"""


def median_run(runs: list[dict]) -> dict:
    """One DuckDB result whose stage times are the medians of ``runs`` (the same work each
    time: the counts must agree)."""
    counted = ("silver_rows", "quarantined_rows", "duplicates", "daily_rows", "correlation_rows")
    for run in runs[1:]:
        for key in counted:
            if run[key] != runs[0][key]:
                sys.exit(f"DuckDB runs disagree on {key}: {run[key]} vs {runs[0][key]}")
    result = dict(runs[-1])
    for stage in ("b2s", "s2g"):
        result[stage] = dict(
            runs[-1][stage], wall=statistics.median(r[stage]["wall"] for r in runs)
        )
    return result


def run_duckdb(work: Path, memory_limit: str) -> dict:
    bronze, out = work / "bronze", work / "duckdb"
    shutil.rmtree(out, ignore_errors=True)
    (out / "tmp").mkdir(parents=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {os.cpu_count()}")
    con.execute(f"SET memory_limit = {_lit(memory_limit)}")
    con.execute(f"SET temp_directory = {_lit(str(out / 'tmp'))}")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")

    def copy(query: str, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"COPY ({query}) TO {_lit(str(dest))} "
            "(FORMAT parquet, COMPRESSION snappy, PARTITION_BY (trade_date), OVERWRITE_OR_IGNORE)"
        )

    # Bronze -> Silver.
    started = time.perf_counter()
    glob = str(bronze / "prices" / "date=*" / "hour=*" / "*.jsonl")
    con.execute(f"CREATE TEMP TABLE classified AS {bronze_to_silver_sql(glob)}")
    copy(
        "SELECT symbol, ts, price, volume, source, trade_date FROM classified "
        "WHERE status = 'silver' ORDER BY trade_date, symbol, ts",
        out / "silver" / "prices",
    )
    copy(
        "SELECT symbol, ts_text AS ts, price_text AS price, volume_text AS volume, source, "
        "raw AS _raw, file AS _file, errors AS _errors, trade_date FROM classified "
        "WHERE status = 'quarantined' ORDER BY trade_date, raw",
        out / "quarantine" / "prices",
    )
    counts = dict(con.execute("SELECT status, count(*) FROM classified GROUP BY 1").fetchall())
    b2s_wall = time.perf_counter() - started
    in_rows = sum(counts.values())
    in_bytes = dir_bytes(bronze / "prices", ".jsonl")
    con.execute("DROP TABLE classified")
    print(
        f"duckdb bronze_to_silver: {b2s_wall:.1f} s, {in_rows:,} lines in, "
        f"{fmt_rate(in_rows, b2s_wall)} rows/s, {fmt_mbs(in_bytes, b2s_wall)} MiB/s; "
        f"{counts.get('silver', 0):,} Silver prices; {load()}"
    )

    # Silver -> Gold.
    silver_bytes = dir_bytes(out / "silver", ".parquet")
    started = time.perf_counter()
    silver_glob = str(out / "silver" / "prices" / "*" / "*.parquet")
    ticks = con.execute(f"SELECT count(*) FROM read_parquet({_lit(silver_glob)})").fetchone()[0]
    con.execute(f"CREATE TEMP TABLE daily AS {daily_prices_sql(silver_glob)}")
    copy("SELECT * FROM daily ORDER BY trade_date, symbol", out / "gold" / "daily_prices")
    con.execute(f"CREATE TEMP TABLE correlations AS {CORRELATIONS_SQL}")
    copy(
        'SELECT * FROM correlations ORDER BY trade_date, symbol_a, symbol_b, "window"',
        out / "gold" / "correlations",
    )
    daily_rows = con.execute("SELECT count(*) FROM daily").fetchone()[0]
    corr_rows = con.execute("SELECT count(*) FROM correlations").fetchone()[0]
    s2g_wall = time.perf_counter() - started
    print(
        f"duckdb silver_to_gold:   {s2g_wall:.1f} s, {ticks:,} ticks in, "
        f"{fmt_rate(ticks, s2g_wall)} rows/s, {fmt_mbs(silver_bytes, s2g_wall)} MiB/s; "
        f"{daily_rows:,} daily rows, {corr_rows:,} correlations; {load()}"
    )
    con.close()
    return {
        "b2s": {"wall": b2s_wall, "rows": in_rows, "bytes": in_bytes},
        "s2g": {"wall": s2g_wall, "rows": ticks, "bytes": silver_bytes},
        "silver_rows": counts.get("silver", 0),
        "quarantined_rows": counts.get("quarantined", 0),
        "duplicates": counts.get("duplicate", 0),
        "daily_rows": daily_rows,
        "correlation_rows": corr_rows,
    }


# --- cross-check ----------------------------------------------------------------------------

COMPARED = (
    "open", "high", "low", "close", "volume", "vwap", "return_1d", "sma_20", "sma_50",
    "ema_12", "ema_26", "macd", "macd_signal", "rsi_14", "bb_upper_20", "bb_lower_20",
    "return_zscore_20",
)  # fmt: skip


def cross_check(work: Path, spark: dict, duck: dict) -> bool:
    """Compare counts, a checksum of the Silver rows, and the daily values of both engines."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")

    def silver_digest(root: Path) -> tuple:
        glob = _lit(str(root / "silver" / "prices" / "*" / "*.parquet"))
        return con.execute(
            f"SELECT count(*), sum(hash(symbol, epoch_us(ts), price, volume, source, "
            f"CAST(trade_date AS VARCHAR))) FROM read_parquet({glob}, hive_partitioning = true)"
        ).fetchone()

    spark_digest = silver_digest(work / "spark")
    duck_digest = silver_digest(work / "duckdb")

    def daily(root: Path) -> str:
        glob = _lit(str(root / "gold" / "daily_prices" / "*" / "*.parquet"))
        return f"read_parquet({glob}, hive_partitioning = true)"

    # Largest relative difference per column, and rows where exactly one side is null.
    diffs = ", ".join(
        f"max(abs(s.{c} - d.{c}) / greatest(abs(s.{c}), 1e-12)), "
        f"count(*) FILTER ((s.{c} IS NULL) <> (d.{c} IS NULL))"
        for c in COMPARED
    )
    row = con.execute(
        f"SELECT count(*), {diffs} FROM {daily(work / 'spark')} s "
        f"JOIN {daily(work / 'duckdb')} d USING (symbol, trade_date)"
    ).fetchone()
    con.close()
    matched, rest = row[0], row[1:]

    checks = [
        ("Silver price rows", spark["silver_rows"], duck["silver_rows"]),
        ("quarantined price rows", spark["quarantined_rows"], duck["quarantined_rows"]),
        ("exact duplicates dropped", spark["duplicates"], duck["duplicates"]),
        ("daily OHLCV rows", spark["daily_rows"], duck["daily_rows"]),
        ("daily rows matched on (symbol, trade_date)", spark["daily_rows"], matched),
        ("correlation rows", spark["correlation_rows"], duck["correlation_rows"]),
    ]
    ok = True
    print("\nCross-check, Spark vs DuckDB:")
    for name, a, b in checks:
        ok &= a == b
        print(f"  {name:<44} {a:>14,} {b:>14,}   {'agree' if a == b else 'DIFFER'}")
    same_silver = spark_digest == duck_digest
    ok &= same_silver
    print(f"  {'Silver content (row hash sum)':<44} {'':>14} {'':>14}   "
          f"{'agree' if same_silver else 'DIFFER'}")  # fmt: skip
    worst = []
    for i, c in enumerate(COMPARED):
        rel, null_mismatch = rest[2 * i], rest[2 * i + 1]
        if null_mismatch or (rel is not None and rel > 1e-9):
            worst.append(f"{c} (max rel diff {rel:.3g}, null mismatches {null_mismatch})")
    ok &= not worst
    print(
        "  daily values (OHLCV, vwap, indicators)       "
        + ("agree within 1e-9 relative" if not worst else "DIFFER: " + "; ".join(worst))
    )
    print(f"Spark and DuckDB agree: {'yes' if ok else 'NO'}")
    return ok


# --- report ---------------------------------------------------------------------------------


def report(args, spark: dict, duck: dict) -> None:
    print()
    head = (
        f"{'stage':<18}{'Spark s':>9}{'DuckDB s':>10}{'Spark/DuckDB':>14}"
        f"{'Spark rows/s':>14}{'DuckDB rows/s':>15}{'Spark MiB/s':>13}{'DuckDB MiB/s':>14}"
    )
    print(head)
    print("-" * len(head))
    total = {"spark": 0.0, "duck": 0.0}
    for key, name in (("b2s", "bronze_to_silver"), ("s2g", "silver_to_gold")):
        s, d = spark[key], duck[key]
        total["spark"] += s["wall"]
        total["duck"] += d["wall"]
        print(
            f"{name:<18}{s['wall']:>9.1f}{d['wall']:>10.1f}{s['wall'] / d['wall']:>13.1f}x"
            f"{fmt_rate(s['rows'], s['wall']):>14}{fmt_rate(d['rows'], d['wall']):>15}"
            f"{fmt_mbs(s['bytes'], s['wall']):>13}{fmt_mbs(d['bytes'], d['wall']):>14}"
        )
    ratio = total["spark"] / total["duck"]
    print(f"{'total':<18}{total['spark']:>9.1f}{total['duck']:>10.1f}{ratio:>13.1f}x")
    print(
        "rows/s: Bronze lines read (bronze_to_silver) and Silver ticks read (silver_to_gold); "
        "MiB/s: input bytes (Bronze JSON, Silver Parquet) / s."
    )
    if args.size_mb >= TARGET_MB:
        verdict = "meets it" if total["spark"] <= TARGET_SECONDS else "misses it"
    else:
        verdict = f"not comparable, this run is {args.size_mb} MiB"
    print(
        f"Spark total {total['spark']:.1f} s vs target {TARGET_SECONDS} s for 1 GiB through Gold: "
        f"{verdict}"
    )


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="bench_etl", description=__doc__.split("\n\n")[0])
    p.add_argument("--size-mb", type=int, default=1024, help="Bronze prices to generate, MiB")
    p.add_argument("--work-dir", type=Path, help="default: spark-jobs/.bench/etl-<size>mb")
    p.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2024, 1, 1))
    p.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2024, 3, 29))
    p.add_argument("--symbols", type=int, default=50)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--defect-rate", type=float, default=0.01)
    p.add_argument("--ticks-per-hour", type=int, help="default: chosen from --size-mb")
    p.add_argument("--regenerate", action="store_true", help="do not reuse an earlier Bronze")
    p.add_argument("--duckdb-memory", default="8GB", help="DuckDB memory_limit (default 8GB)")
    p.add_argument("--skip-duckdb", action="store_true", help="time Spark only")
    p.add_argument(
        "--separate-jobs",
        action="store_true",
        help="run bronze_to_silver and silver_to_gold as two processes, not the pipeline's "
        "bronze_to_gold step",
    )
    p.add_argument(
        "--duckdb-runs",
        type=int,
        default=3,
        help="DuckDB baseline runs, the first before Spark, the rest after; the table uses "
        "the median times (default 3)",
    )
    args = p.parse_args(argv)
    days = weekdays(args.start, args.end)
    if days == 0:
        p.error("no weekdays between --start and --end")
    if args.duckdb_runs < 1:
        p.error("--duckdb-runs must be at least 1")
    if args.ticks_per_hour is None:
        ticks = args.size_mb * MiB / (BYTES_PER_TICK * 24 * args.symbols * days)
        args.ticks_per_hour = max(1, round(ticks))
    if args.work_dir is None:
        args.work_dir = PACKAGE / ".bench" / f"etl-{args.size_mb}mb"
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    work = args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    days = weekdays(args.start, args.end)
    print(
        f"bench_etl: ~{args.size_mb} MiB Bronze prices: {args.symbols} symbols x {days} trading "
        f"days ({args.start}..{args.end}) x 24 h x {args.ticks_per_hour} ticks/h, defect rate "
        f"{args.defect_rate}; work dir {work}"
    )
    print(
        f"Spark local[*], driver memory {os.environ.get('MARKETPULSE_DRIVER_MEMORY', '4g')} "
        f"(MARKETPULSE_DRIVER_MEMORY); DuckDB {os.cpu_count()} threads, memory_limit "
        f"{args.duckdb_memory}; {load()}"
    )
    ensure_bronze(args, work)
    # DuckDB's time for the same work varies from run to run on a shared machine: it runs
    # before and after Spark (--duckdb-runs times in all), and the table uses the medians.
    runs = []
    if not args.skip_duckdb and args.duckdb_runs > 1:
        print(f"duckdb run 1 of {args.duckdb_runs} (before Spark):")
        runs.append(run_duckdb(work, args.duckdb_memory))
    spark = run_spark(args, work)
    if args.skip_duckdb:
        return 0
    while len(runs) < args.duckdb_runs:
        print(f"duckdb run {len(runs) + 1} of {args.duckdb_runs}:")
        runs.append(run_duckdb(work, args.duckdb_memory))
    duck = median_run(runs)
    if len(runs) > 1:
        for stage, name in (("b2s", "bronze_to_silver"), ("s2g", "silver_to_gold")):
            times = ", ".join(f"{r[stage]['wall']:.1f}" for r in runs)
            print(f"duckdb {name}: {times} s; median {duck[stage]['wall']:.1f} s")
    report(args, spark, duck)
    print(
        "DuckDB baseline: prices only (Spark also processes the news, ~0.5% of the bytes); "
        "daily_prices with every indicator, and correlations; it omits " + BASELINE_OMITS + "."
    )
    cross_check(work, spark, duck)
    print(load())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
