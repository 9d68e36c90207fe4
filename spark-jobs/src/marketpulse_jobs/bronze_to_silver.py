"""Bronze -> Silver: validate a day's (or a range's) Bronze prices and news into Silver parquet,
quarantine the bad records with their reasons, and compact each day into a few large files.

    python -m marketpulse_jobs.bronze_to_silver --date D --bronze URI --silver URI --quarantine URI
    python -m marketpulse_jobs.bronze_to_silver --start D --end D --bronze ... (a backfill)

Reruns are idempotent: each processed day's Silver and quarantine partitions are replaced
(dynamic partition overwrite), and no other day is touched. The run summary goes to stdout and
to ``<silver>/_runs/bronze_to_silver/<date or start_end>.json``, its data-quality metrics (see
``metrics.py``) to ``<silver>/_runs/bronze_to_silver/<date or start_end>.metrics.json``.
"""

import functools
import math
import time
from typing import Callable, NamedTuple

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from marketpulse_jobs import runtime
from marketpulse_jobs.transforms import silver as tx

JOB = "bronze_to_silver"
DEFAULT_TARGET_FILE_BYTES = 256 * 1024 * 1024


class Dataset(NamedTuple):
    """How to classify a dataset's lines, build its Silver and quarantine rows, and write them."""

    classify: Callable[..., DataFrame]
    silver: Callable[[DataFrame], DataFrame]
    quarantine: Callable[[DataFrame], DataFrame]
    # The order of the rows in a Silver file.
    sort_by: "tuple[str, ...]"
    # Silver columns whose values are nearly all distinct: written without Parquet's dictionary
    # encoding, which the writer would build for every column chunk and then abandon (bench:etl's
    # Silver prices: 6% smaller files).
    plain: "tuple[str, ...]" = ()


DATASETS = {
    "prices": Dataset(
        tx.classify_prices,
        tx.silver_prices,
        tx.quarantine_prices,
        ("symbol", "ts"),
        ("ts", "price"),
    ),
    "news": Dataset(tx.classify_news, tx.silver_news, tx.quarantine_news, ("ts", "id")),
}


def bronze_files(spark: SparkSession, bronze: str, dataset: str, day) -> "list[tuple[str, int]]":
    """The day's Bronze files, (uri, bytes): every hour partition, plain or gzipped JSON lines."""
    pattern = f"{bronze}/{dataset}/date={day.isoformat()}/hour=*/*.{{jsonl,jsonl.gz}}"
    return runtime.list_files(spark, pattern)


def files_for(input_bytes: int, target_file_bytes: int) -> int:
    """How many files a day compacts into: its input size over the target size, rounded up."""
    return max(1, math.ceil(input_bytes / target_file_bytes))


def read_lines(spark: SparkSession, files: "list[str]", root: str) -> DataFrame:
    """Bronze files under ``root`` as text lines: ``_raw``, ``_file``, and ``trade_date`` from the
    files' ``date=`` directory. Spark reads that as a partition value once per file, where a
    regex over every row's file path cost about 5 s on the 1 GiB bench:etl input."""
    lines = spark.read.option("basePath", root).text(files)
    return lines.select(
        F.col("value").alias(tx.RAW),
        F.col("_metadata.file_path").alias(tx.FILE),
        F.col("date").cast("date").alias(tx.TRADE_DATE),
    )


def _partition(root: str, day: str) -> str:
    return f"{root}/{tx.TRADE_DATE}={day}"


def _write(df: DataFrame, root: str, plain: "tuple[str, ...]" = ()) -> None:
    # Dynamic overwrite replaces only the trade_date partitions present in df. It is set on the
    # writer as well as the session because a static overwrite here would wipe every other day.
    writer = df.write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
    for column in plain:  # Parquet's per-column setting: the property, '#', the column path
        writer = writer.option(f"parquet.enable.dictionary#{column}", "false")
    writer.partitionBy(tx.TRADE_DATE).parquet(root)


def _rows_written(spark: SparkSession, roots: "dict[str, str]", days) -> "dict[tuple, int]":
    """{(output, day): rows} read back from the written partitions, in one Spark job."""
    counts = []
    for output, root in roots.items():
        dirs = [
            _partition(root, d) for d in days if runtime.path_exists(spark, _partition(root, d))
        ]
        if dirs:
            df = spark.read.option("basePath", root).parquet(*dirs)
            counts.append(df.groupBy(tx.TRADE_DATE).count().withColumn("output", F.lit(output)))
    if not counts:
        return {}
    union = functools.reduce(DataFrame.unionByName, counts)
    return {(r["output"], r[tx.TRADE_DATE].isoformat()): r["count"] for r in union.collect()}


def _empty_stats(files: "list[tuple[str, int]]") -> dict:
    return {
        "input_files": len(files),
        "input_bytes": sum(size for _, size in files),
        "non_blank_lines": 0,
        "silver_rows": 0,
        "quarantined_rows": 0,
        "quarantine_reasons": {},
        "exact_duplicates_dropped": 0,
        "output_files": 0,
    }


def _record_outcomes(classified: DataFrame, stats: "dict[str, dict]") -> "tuple[set, set]":
    """Record line, duplicate and reason counts; return the days with Silver and quarantine
    rows."""
    silver_days, quarantine_days = set(), set()
    for row in tx.outcome_counts(classified).collect():
        day, status, n = row[tx.TRADE_DATE].isoformat(), row[tx.STATUS], row["count"]
        stats[day]["non_blank_lines"] += n
        if status == tx.SILVER:
            silver_days.add(day)
        elif status == tx.DUPLICATE:
            stats[day]["exact_duplicates_dropped"] += n
        else:
            quarantine_days.add(day)
            reasons = stats[day]["quarantine_reasons"]
            for code in row[tx.ERRORS]:
                reasons[code] = reasons.get(code, 0) + n
    return silver_days, quarantine_days


def _write_one_file_per_day(rows: DataFrame, sort_by, root: str, by_day: bool, plain=()) -> None:
    # Hash-partitioning on the date puts each day in exactly one task: one file per day. Rows
    # classified by_day are partitioned so already, and sorted by key (a cheap sort).
    by_date = rows if by_day else rows.repartition(tx.TRADE_DATE)
    _write(by_date.sortWithinPartitions(tx.TRADE_DATE, *sort_by), root, plain)


def _write_silver(
    classified, dataset: Dataset, root, days, stats, target_file_bytes, by_day
) -> None:
    """Write each day's Silver rows as ceil(input bytes / target) files."""
    files = {day: files_for(stats[day]["input_bytes"], target_file_bytes) for day in days}
    small = [day for day in days if files[day] == 1]
    sort_by, plain = dataset.sort_by, dataset.plain
    if small:  # the usual case, all in one write
        in_small = F.col(tx.TRADE_DATE).cast("string").isin(small)
        rows = dataset.silver(classified.where(in_small))
        _write_one_file_per_day(rows, sort_by, root, by_day, plain)
    for day in sorted(set(days) - set(small)):  # one write each, for an exact file count
        rows = dataset.silver(classified.where(F.col(tx.TRADE_DATE) == F.lit(day).cast("date")))
        _write(rows.repartition(files[day]).sortWithinPartitions(*sort_by), root, plain)


def process_dataset(
    spark: SparkSession,
    dataset: str,
    days: list,
    bronze: str,
    silver: str,
    quarantine: str,
    target_file_bytes: int,
) -> "dict[str, dict]":
    """Classify and write one dataset for the given days; return per-day counts."""
    spec = DATASETS[dataset]
    silver_root, quarantine_root = f"{silver}/{dataset}", f"{quarantine}/{dataset}"
    inputs = {d.isoformat(): bronze_files(spark, bronze, dataset, d) for d in days}
    stats = {day: _empty_stats(files) for day, files in inputs.items()}
    all_files = [uri for files in inputs.values() for uri, _ in files]
    silver_days, quarantine_days = set(), set()

    if all_files:
        # Every non-blank line gets exactly one classified row: the outcome counts also count
        # the non-blank lines, in the same pass (no separate read of the Bronze files).
        # Cached narrow (see tx.for_outputs): caching every row's line and fields cost about
        # 14 s more on the 1 GiB bench:etl input.
        # When every day is written as one file, the rows are distributed by day once, for the
        # dedup and the writes together: one shuffle of the classified rows fewer.
        by_day = all(files_for(s["input_bytes"], target_file_bytes) == 1 for s in stats.values())
        lines = read_lines(spark, all_files, f"{bronze}/{dataset}")
        classified = tx.for_outputs(spec.classify(lines, by_day))
        classified = classified.persist(StorageLevel.MEMORY_AND_DISK)
        silver_days, quarantine_days = _record_outcomes(classified, stats)
        writes = {
            "silver": functools.partial(
                _write_silver,
                classified,
                spec,
                silver_root,
                silver_days,
                stats,
                target_file_bytes,
                by_day,
            )
        }
        if quarantine_days:  # quarantine is small: one file per day
            writes["quarantine"] = functools.partial(
                _write_one_file_per_day,
                spec.quarantine(classified),
                (tx.RAW,),
                quarantine_root,
                by_day,
            )
        runtime.run_concurrently(writes)
        classified.unpersist()

    # A day with nothing to write still replaces what an earlier run left there.
    for day in stats:
        if day not in silver_days:
            runtime.delete_path(spark, _partition(silver_root, day))
        if day not in quarantine_days:
            runtime.delete_path(spark, _partition(quarantine_root, day))
    _record_written(spark, silver_root, quarantine_root, stats)
    return stats


def _record_written(spark: SparkSession, silver_root: str, quarantine_root: str, stats) -> None:
    """Count what is actually on disk, and check the conservation invariant against it."""
    roots = {"silver_rows": silver_root, "quarantined_rows": quarantine_root}
    for (output, day), n in _rows_written(spark, roots, sorted(stats)).items():
        stats[day][output] = n
    for day, s in stats.items():
        s["output_files"] = len(runtime.list_files(spark, f"{_partition(silver_root, day)}/*"))
        s["invariant_holds"] = s["non_blank_lines"] == (
            s["silver_rows"] + s["quarantined_rows"] + s["exact_duplicates_dropped"]
        )


def _totals(per_day: "dict[str, dict]") -> dict:
    total: dict = {"quarantine_reasons": {}}
    for s in per_day.values():
        for key, value in s.items():
            if key == "quarantine_reasons":
                for code, n in value.items():
                    total[key][code] = total[key].get(code, 0) + n
            elif key == "invariant_holds":
                total[key] = total.get(key, True) and value
            else:
                total[key] = total.get(key, 0) + value
    return total


def run(
    spark: SparkSession,
    days: list,
    bronze: str,
    silver: str,
    quarantine: str,
    target_file_bytes: int = DEFAULT_TARGET_FILE_BYTES,
) -> dict:
    """Process the days that have Bronze input; return the run summary."""
    started = time.time()
    present = [
        d
        for d in days
        if any(runtime.path_exists(spark, f"{bronze}/{ds}/date={d.isoformat()}") for ds in DATASETS)
    ]
    if not present:
        raise runtime.UsageError(
            f"no Bronze input under {bronze}/{{prices,news}}/ for {runtime.run_label(days)}"
        )
    summary = {
        "job": JOB,
        "start": days[0].isoformat(),
        "end": days[-1].isoformat(),
        "bronze": bronze,
        "silver": silver,
        "quarantine": quarantine,
        "target_file_bytes": target_file_bytes,
        "processed_dates": [d.isoformat() for d in present],
        "skipped_dates": [d.isoformat() for d in days if d not in present],
    }
    # The datasets share nothing: the small news one runs beside prices (runtime.run_concurrently).
    per_dataset = runtime.run_concurrently(
        {
            ds: functools.partial(
                process_dataset, spark, ds, present, bronze, silver, quarantine, target_file_bytes
            )
            for ds in DATASETS
        }
    )
    for ds, per_day in per_dataset.items():
        summary[ds] = _totals(per_day)
    summary["days"] = {
        d.isoformat(): {ds: per_dataset[ds][d.isoformat()] for ds in DATASETS} for d in present
    }
    summary["invariant_holds"] = all(summary[ds]["invariant_holds"] for ds in DATASETS)
    summary["elapsed_seconds"] = round(time.time() - started, 3)
    return summary


# The lake roots this job reads and writes (command-line arguments --bronze, ...).
INPUTS = ("bronze",)
OUTPUTS = ("silver", "quarantine")


def add_options(parser) -> None:
    """The job's options besides its dates and roots."""
    parser.add_argument(
        "--target-file-bytes",
        type=runtime.positive_int,
        default=DEFAULT_TARGET_FILE_BYTES,
        help="compaction target per Silver file (default 256 MiB)",
    )


def execute(spark: SparkSession, args, days: list) -> dict:
    """Run the job with parsed arguments; write its metrics and summary, print the summary.

    Raises when the conservation invariant does not hold, after writing both files."""
    if not runtime.path_exists(spark, args.bronze):
        raise runtime.UsageError(f"Bronze root not found: {args.bronze}")
    summary = runtime.recorded_run(
        spark,
        JOB,
        args.silver,
        days,
        lambda: run(spark, days, args.bronze, args.silver, args.quarantine, args.target_file_bytes),
    )
    # Summary and metrics are written whether or not the invariant holds, then the run fails.
    if not summary["invariant_holds"]:
        raise RuntimeError(
            "conservation invariant violated: non-blank Bronze lines != Silver rows + "
            "quarantined rows + exact duplicates dropped (see the run summary)"
        )
    return summary


def _main(argv=None) -> int:
    parser = runtime.job_parser(JOB, __doc__.split("\n\n")[0])
    runtime.add_date_args(parser)
    runtime.add_root_args(parser, INPUTS + OUTPUTS)
    add_options(parser)
    args = parser.parse_args(argv)
    days = runtime.dates_from_args(args)
    runtime.check_roots(args, INPUTS, OUTPUTS)
    execute(runtime.get_spark("marketpulse-bronze-to-silver"), args, days)
    return 0


main = runtime.run_main(_main)

if __name__ == "__main__":
    raise SystemExit(main())
