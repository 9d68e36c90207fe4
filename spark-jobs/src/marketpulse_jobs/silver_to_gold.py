"""Silver -> Gold: daily prices with technical indicators, daily sentiment, return correlations.

    python -m marketpulse_jobs.silver_to_gold --date D --silver URI --gold URI
    python -m marketpulse_jobs.silver_to_gold --start D --end D --silver URI --gold URI

Writes ``<gold>/{daily_prices,sentiment_daily,correlations}/trade_date=D/`` with dynamic
partition overwrite, prints the run summary and writes it to
``<gold>/_runs/silver_to_gold/<date or start_end>.json``, and its metrics (``metrics.py``) to
``<gold>/_runs/silver_to_gold/<date or start_end>.metrics.json``.

History: the indicators (EMA, MACD, RSI) depend on a symbol's whole history, so a day's value
must not depend on whether it was computed in a daily run or a backfill. The Gold daily_prices
table is the history: the requested days' OHLCV comes from Silver, every other day's from
Gold, and the indicators are recomputed over the whole series. When a run rewrites a day that
Gold already has later days for, those later days are recomputed and rewritten too (from
their Gold OHLCV), so Gold never mixes values computed from different histories. A requested
day with nothing to write has its old Gold partitions removed: the requested days' output is
exactly what this run computed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time

from pyspark.sql import DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

from marketpulse_jobs import runtime, schemas
from marketpulse_jobs.transforms import gold as G
from marketpulse_jobs.transforms.indicators import add_indicators

JOB = "silver_to_gold"
TABLES = {d.path: d.schema for d in schemas.LAKE_DATASETS if d.root == "gold"}
SILVER = ("prices", "news")
_PARTITION_RE = re.compile(r"/trade_date=(\d{4}-\d{2}-\d{2})/")


def _read_partitions(spark: SparkSession, root: str, schema, dates, available) -> DataFrame:
    """The ``trade_date`` partitions of ``dates`` among ``available`` under ``root``."""
    wanted = sorted(set(available) & set(dates))
    if not wanted:
        return spark.createDataFrame([], schema)
    dirs = [f"{root}/trade_date={d.isoformat()}" for d in wanted]
    return spark.read.schema(schema).option("basePath", root).parquet(*dirs)


def _partition_dates(spark: SparkSession, root: str) -> set[dt.date]:
    """The trade_date partitions present under a Gold table."""
    found = set()
    for uri, _ in runtime.list_files(spark, f"{root}/trade_date=*/*"):
        match = _PARTITION_RE.search(uri)
        if match:
            found.add(dt.date.fromisoformat(match.group(1)))
    return found


def _counts(df: DataFrame) -> dict[dt.date, int]:
    return {row["trade_date"]: row["count"] for row in df.groupBy("trade_date").count().collect()}


def _write_table(
    spark: SparkSession,
    df: DataFrame,
    root: str,
    targets: list[dt.date],
    filled: set[dt.date],
    sort_by: list[str],
) -> dict:
    """Make ``df``'s rows the content of the ``targets`` partitions.

    ``filled`` holds exactly the dates ``df`` has rows for (the caller knows them from the
    inputs, which saves evaluating every output twice). Those targets' partitions are replaced
    (dynamic overwrite); the other targets' partitions, left over from an earlier run, are
    deleted. The rows written are counted by the write itself (an observed metric).
    """
    written = sorted(d for d in targets if d in filled)
    cleared = [
        d.isoformat()
        for d in targets
        if d not in filled and runtime.delete_path(spark, f"{root}/trade_date={d.isoformat()}")
    ]
    rows = 0
    if written:
        # A day's rows go to one task (one file per day). The number of tasks is fixed, so that
        # adaptive execution does not coalesce a small table into one task writing every file.
        tasks = min(len(written), spark.sparkContext.defaultParallelism)
        observed = Observation()
        (
            df.where(F.col("trade_date").isin(written))
            .observe(observed, F.count(F.lit(1)).alias("rows"))
            .repartition(tasks, "trade_date")
            .sortWithinPartitions(*sort_by)
            .write.mode("overwrite")
            .option("partitionOverwriteMode", "dynamic")
            .partitionBy("trade_date")
            .parquet(root)
        )
        rows = observed.get["rows"]
    return {"rows": rows, "dates": len(written), "cleared_dates": cleared}


def _correlation_cutoff(all_dates: list[dt.date], first: dt.date) -> dt.date:
    """The earliest trading date the correlation windows of ``first`` (and later) can reach."""
    before = [d for d in all_dates if d < first][-(max(G.CORRELATION_WINDOWS) - 1) :]
    return before[0] if before else first


def run(spark: SparkSession, days: list[dt.date], silver: str, gold: str) -> dict:
    """Compute Gold for ``days`` (and any later Gold days they change); return the summary."""
    started = time.time()
    requested = sorted(days)
    first = requested[0]
    roots = {table: f"{gold}/{table}" for table in TABLES}

    in_silver = {ds: _partition_dates(spark, f"{silver}/{ds}") for ds in SILVER}
    present = [d for d in requested if any(d in in_silver[ds] for ds in SILVER)]
    if not present:
        # Refuse rather than clear Gold: most likely a wrong --silver or a missed upstream run.
        raise runtime.UsageError(
            f"no Silver input under {silver}/{{prices,news}}/ for {runtime.run_label(days)}"
        )
    existing = set().union(*(_partition_dates(spark, root) for root in roots.values()))
    later = sorted(d for d in existing if d > first and d not in requested)
    targets = sorted(set(requested) | set(later))

    ticks = _read_partitions(
        spark, f"{silver}/prices", schemas.SILVER_PRICES, requested, in_silver["prices"]
    )
    fresh = G.daily_ohlcv(ticks)
    series = fresh
    if runtime.path_exists(spark, roots["daily_prices"]):
        history = (
            spark.read.schema(schemas.GOLD_DAILY_PRICES)
            .parquet(roots["daily_prices"])
            .where(~F.col("trade_date").isin(requested))
            .select(*schemas.GOLD_OHLCV_COLUMNS)
        )
        series = history.unionByName(fresh)
    # Materialise before writing: the history is read from the very partitions being rewritten.
    # (A local checkpoint is lost with its executor; the run then fails, and a rerun redoes it.)
    # The tick count (for the summary) runs beside it.
    done = runtime.run_concurrently(
        {
            "ticks": ticks.count,
            "prices": lambda: add_indicators(series).localCheckpoint(eager=True),
        }
    )
    tick_count, prices = done["ticks"], done["prices"]
    price_rows = _counts(prices)
    returns = prices.select("symbol", "trade_date", "return_1d")

    lookback = targets[0] - dt.timedelta(days=G.SENTIMENT_CORR_DAYS - 1)
    news_days = runtime.date_range(lookback, targets[-1])
    news = _read_partitions(
        spark, f"{silver}/news", schemas.SILVER_NEWS, news_days, in_silver["news"]
    )
    sentiment = G.sentiment_daily(news, returns.where(F.col("trade_date") >= F.lit(lookback)))

    cutoff = _correlation_cutoff(sorted(price_rows), targets[0])
    calendar = spark.createDataFrame(
        list(enumerate(d for d in sorted(price_rows) if d >= cutoff)),
        "day_index int, trade_date date",
    )
    correlations = G.correlations(
        returns.where(F.col("trade_date") >= F.lit(cutoff)), calendar=calendar
    )

    # The dates each table has rows for: a price row makes a daily_prices row, two make a
    # correlation pair, and a price row or an article makes a sentiment row (every Silver
    # article names at least one symbol).
    sentiment_dates = set(price_rows) | set(in_silver["news"])
    outputs = {
        "daily_prices": (prices, set(price_rows), ["symbol"]),
        "sentiment_daily": (sentiment, sentiment_dates, ["symbol"]),
        "correlations": (
            correlations,
            {d for d, n in price_rows.items() if n >= 2},
            ["symbol_a", "symbol_b", "window"],
        ),
    }
    # The three tables are written at once: each write is a few small Spark jobs.
    written = runtime.run_concurrently(
        {
            table: functools.partial(
                _write_table,
                spark,
                schemas.conform(df, TABLES[table]),
                roots[table],
                targets,
                filled,
                sort_by,
            )
            for table, (df, filled, sort_by) in outputs.items()
        }
    )
    return {
        "job": JOB,
        "start": requested[0].isoformat(),
        "end": requested[-1].isoformat(),
        "silver": silver,
        "gold": gold,
        "dates_without_silver": [d.isoformat() for d in requested if d not in present],
        "silver_ticks": tick_count,
        "history_rows": sum(n for d, n in price_rows.items() if d not in requested),
        "recomputed_later_dates": [d.isoformat() for d in later],
        **written,
        "elapsed_seconds": round(time.time() - started, 3),
    }


# The lake roots this job reads and writes (command-line arguments --silver, --gold).
INPUTS = ("silver",)
OUTPUTS = ("gold",)


def execute(spark: SparkSession, args, days: list) -> dict:
    """Run the job with parsed arguments; write its metrics and summary, print the summary."""
    if not runtime.path_exists(spark, args.silver):
        raise runtime.UsageError(f"Silver root not found: {args.silver}")
    return runtime.recorded_run(
        spark, JOB, args.gold, days, lambda: run(spark, days, args.silver, args.gold)
    )


def _main(argv=None) -> int:
    parser = runtime.job_parser(JOB, __doc__.split("\n\n")[0])
    runtime.add_date_args(parser)
    runtime.add_root_args(parser, INPUTS + OUTPUTS)
    args = parser.parse_args(argv)
    days = runtime.dates_from_args(args)
    runtime.check_roots(args, INPUTS, OUTPUTS)
    execute(runtime.get_spark("marketpulse-silver-to-gold"), args, days)
    return 0


main = runtime.run_main(_main)

if __name__ == "__main__":
    raise SystemExit(main())
