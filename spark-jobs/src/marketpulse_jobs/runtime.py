"""Plumbing shared by every job: the Spark session, arguments, URIs and run summaries.

A job module stays a thin ``main()``::

    def _main(argv=None):
        parser = job_parser("bronze_to_silver", __doc__)
        add_date_args(parser)
        add_root_args(parser, ("bronze", "silver"))
        args = parser.parse_args(argv)
        spark = get_spark("marketpulse-bronze-to-silver")
        ...
        emit_summary(spark, summary, summary_uri(args.silver, "bronze_to_silver", dates))

    main = run_main(_main)

Argument errors and :class:`UsageError` become one line on stderr and exit code 2; anything
else is a bug and keeps its traceback. Mistakes that can be seen without Spark (a file:// input
root that does not exist, a bad environment variable) are reported before Spark starts, and a
local Spark starts silently (``log4j2.properties``), so the one line is all there is.
"""

import argparse
import datetime as dt
import functools
import json
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Callable, Optional, TypeVar
from urllib.parse import unquote, urlparse

from pyspark import SparkContext
from pyspark.sql import SparkSession

from marketpulse_jobs import metrics

# Exit code for a user mistake, the same one argparse uses.
USAGE_EXIT = 2

# Settings every job relies on, wherever it runs: dates are UTC, and writing a partitioned
# dataset replaces only the partitions present in the written data.
REQUIRED_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
}

# Only for a local run (python -m ...): on EMR the cluster's configuration decides. See
# local_conf() for the driver memory and logging settings added to these.
LOCAL_CONF = {
    "spark.master": "local[*]",
    "spark.sql.shuffle.partitions": "8",
    "spark.default.parallelism": "8",
    "spark.sql.adaptive.enabled": "true",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # A day is 24 hourly partitions of files passed explicitly; above this many paths Spark
    # lists them with a distributed job, which locally costs 5-14 s per dataset (bench:etl).
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",
    # bronze_to_silver caches its classified rows once and reads them three times. Encoding
    # and compressing the cached columns cost more CPU than the memory they save on one
    # machine: bench:etl's classification job took 21.1 s uncompressed against 26.7 s.
    "spark.sql.inMemoryColumnarStorage.compressed": "false",
}

# JVM options of a local driver (which is its own executor). The throughput collector: a
# batch job has no pauses to keep short, and on 2 cores G1's concurrent work and write
# barriers take CPU from the tasks (bench:etl's bronze_to_silver, one run each, both with the
# uncompressed cache: 103.0 s with it, 113.9 s with G1).
LOCAL_JAVA_OPTIONS = ("-XX:+UseParallelGC",)

DRIVER_MEMORY_ENV = "MARKETPULSE_DRIVER_MEMORY"
DEFAULT_DRIVER_MEMORY = "4g"
LOG_LEVEL_ENV = "MARKETPULSE_LOG_LEVEL"
DEFAULT_LOG_LEVEL = "WARN"
# The levels SparkContext.setLogLevel accepts.
LOG_LEVELS = ("ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF")
_MEMORY_RE = re.compile(r"[0-9]+([kmgtp]b?)?", re.IGNORECASE)
# Ships inside the package; absent when the package is imported from a zip (EMR --py-files).
LOG4J2_CONFIG = Path(__file__).with_name("log4j2.properties")

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


T = TypeVar("T")


class UsageError(Exception):
    """A mistake by whoever ran the job (bad argument, missing input): reported in one line."""


class JobArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors raise UsageError instead of printing the usage block."""

    def error(self, message):
        raise UsageError(message)


def job_parser(prog: str, description: str = "") -> JobArgumentParser:
    """The argument parser every job uses, so that errors follow the one-line convention."""
    return JobArgumentParser(prog=prog, description=description)


def _under_spark_submit() -> bool:
    # spark-submit starts the JVM first and hands the Python driver its gateway; its launcher
    # scripts also export SPARK_ENV_LOADED. A test (or notebook) may already have a context,
    # and PYSPARK_SUBMIT_ARGS may name a master explicitly.
    return (
        SparkContext._active_spark_context is not None
        or "PYSPARK_GATEWAY_PORT" in os.environ
        or "SPARK_ENV_LOADED" in os.environ
        or "--master" in os.environ.get("PYSPARK_SUBMIT_ARGS", "")
    )


def log_level() -> str:
    """``MARKETPULSE_LOG_LEVEL`` (default WARN), checked before Spark gets to see it."""
    level = os.environ.get(LOG_LEVEL_ENV, DEFAULT_LOG_LEVEL).strip().upper()
    if level not in LOG_LEVELS:
        raise UsageError(
            f"{LOG_LEVEL_ENV}={os.environ.get(LOG_LEVEL_ENV)!r} is not a log level: "
            f"use one of {', '.join(LOG_LEVELS)}"
        )
    return level


def local_conf(overrides: Optional[dict] = None) -> "dict[str, str]":
    """The settings of a local Spark: LOCAL_CONF, the driver memory (``MARKETPULSE_DRIVER_MEMORY``,
    default 4g), LOCAL_JAVA_OPTIONS and quiet start-up logging (``log4j2.properties``), then
    ``overrides``.

    The driver memory and the JVM options only take effect because pyspark passes the builder's
    settings to the spark-submit that launches the driver JVM.
    """
    memory = os.environ.get(DRIVER_MEMORY_ENV, DEFAULT_DRIVER_MEMORY).strip()
    if not _MEMORY_RE.fullmatch(memory):
        raise UsageError(
            f"{DRIVER_MEMORY_ENV}={memory!r} is not a memory size: use e.g. 4g or 4096m"
        )
    conf = dict(LOCAL_CONF, **{"spark.driver.memory": memory})
    java_options = list(LOCAL_JAVA_OPTIONS)
    if LOG4J2_CONFIG.is_file():
        # A URI: a path with spaces would be split into several JVM options.
        java_options.append(f"-Dlog4j2.configurationFile={LOG4J2_CONFIG.resolve().as_uri()}")
    conf["spark.driver.extraJavaOptions"] = " ".join(java_options)
    conf.update(overrides or {})
    return conf


def get_spark(app_name: str, local_overrides: Optional[dict] = None) -> SparkSession:
    """The job's SparkSession: the spark-submit one when there is one, else a local Spark.

    A local Spark gets :func:`local_conf` (``local_overrides`` replace its settings; the tests
    use fewer cores); every session gets REQUIRED_CONF, which nothing overrides.
    """
    local = not _under_spark_submit()
    builder = SparkSession.builder.appName(app_name)
    if local:
        level = log_level()
        for key, value in local_conf(local_overrides).items():
            builder = builder.config(key, value)
    for key, value in REQUIRED_CONF.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    # An existing session ignores the builder's options: set the runtime ones explicitly.
    for key, value in REQUIRED_CONF.items():
        spark.conf.set(key, value)
    if local:
        spark.sparkContext.setLogLevel(level)
    return spark


def parse_date(text: str) -> dt.date:
    """Parse a strict ``YYYY-MM-DD`` date (usable as an argparse ``type``)."""
    if not isinstance(text, str) or not _DATE_RE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: expected YYYY-MM-DD")
    try:
        return dt.date(int(text[:4]), int(text[5:7]), int(text[8:10]))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: {exc}") from None


def date_range(start: dt.date, end: dt.date) -> "list[dt.date]":
    """Every date from start to end, both included (empty when end is before start)."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def normalise_uri(text: str) -> str:
    """Return an ``s3://`` or absolute ``file://`` URI without a trailing slash.

    A plain local path (relative or absolute) becomes a ``file://`` URI. Any other scheme is
    rejected, so that a typo such as ``s3a:/bucket`` cannot silently write somewhere else.
    """
    if not isinstance(text, str) or not text.strip():
        raise argparse.ArgumentTypeError("invalid URI '': expected s3://bucket/prefix or a path")
    text = text.strip()
    parsed = urlparse(text)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise argparse.ArgumentTypeError(f"invalid URI {text!r}: no bucket after s3://")
        return "s3://" + parsed.netloc + parsed.path.rstrip("/")
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost") or not parsed.path.startswith("/"):
            raise argparse.ArgumentTypeError(
                f"invalid URI {text!r}: a file:// URI needs an absolute path (file:///dir)"
            )
        return Path(unquote(parsed.path)).resolve().as_uri()
    if parsed.scheme and len(parsed.scheme) > 1:
        raise argparse.ArgumentTypeError(
            f"unsupported URI scheme {parsed.scheme!r} in {text!r}: use s3:// or file://"
        )
    return Path(text).expanduser().resolve().as_uri()


def positive_int(text: str) -> int:
    """Parse an integer > 0 (usable as an argparse ``type``)."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def local_path(uri: str) -> Optional[Path]:
    """The local path of a ``file://`` URI from :func:`normalise_uri`; None for ``s3://``."""
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def require_input_root(uri: str, name: str) -> None:
    """Fail before Spark starts when a ``file://`` input root is not an existing directory.

    An ``s3://`` root is checked by the job once Spark is up (:func:`path_exists`).
    """
    path = local_path(uri)
    if path is not None and not path.is_dir():
        raise UsageError(f"{name} root not found: {uri}")


def require_output_root(uri: str, name: str) -> None:
    """Fail before Spark starts when a ``file://`` output root cannot be a directory (it, or
    the nearest existing folder above it, is a file)."""
    path = local_path(uri)
    if path is None:
        return
    for folder in (path, *path.parents):
        if folder.exists():
            if not folder.is_dir():
                raise UsageError(f"{name} root cannot be created: {folder} is a file ({uri})")
            return


def add_root_args(parser: argparse.ArgumentParser, names: "tuple[str, ...]") -> None:
    """Add a required ``--<name>`` lake root (a URI, see :func:`normalise_uri`) per name, e.g.
    ``("bronze", "silver")``."""
    for name in names:
        parser.add_argument(f"--{name}", type=normalise_uri, required=True)


def check_roots(
    args: argparse.Namespace, inputs: "tuple[str, ...]", outputs: "tuple[str, ...]"
) -> None:
    """:func:`require_input_root` for each of ``inputs`` and :func:`require_output_root` for
    each of ``outputs`` (root names as for :func:`add_root_args`), before Spark starts."""
    for name in inputs:
        require_input_root(getattr(args, name), name.capitalize())
    for name in outputs:
        require_output_root(getattr(args, name), name.capitalize())


def add_date_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--date D`` or ``--start D --end D`` (inclusive, UTC), mutually exclusive."""
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--date", type=parse_date, help="one UTC date, YYYY-MM-DD")
    group.add_argument("--start", type=parse_date, help="first UTC date of a range (with --end)")
    parser.add_argument("--end", type=parse_date, help="last UTC date of a range, inclusive")


def dates_from_args(args: argparse.Namespace) -> "list[dt.date]":
    """The dates selected by :func:`add_date_args`, validated."""
    if args.date is not None:
        if args.end is not None:
            raise UsageError("--end goes with --start, not with --date")
        return [args.date]
    if args.end is None:
        raise UsageError("--start needs --end (use --date for a single day)")
    if args.end < args.start:
        raise UsageError(f"--end {args.end} is before --start {args.start}")
    return date_range(args.start, args.end)


def run_label(dates: "list[dt.date]") -> str:
    """``2024-01-02`` for one date, ``2024-01-02_2024-03-29`` for a range."""
    if len(dates) == 1:
        return dates[0].isoformat()
    return f"{dates[0].isoformat()}_{dates[-1].isoformat()}"


def summary_uri(output_root: str, job: str, dates: "list[dt.date]") -> str:
    """Where a job's run summary goes: ``<output-root>/_runs/<job>/<date or start_end>.json``."""
    return f"{output_root}/_runs/{job}/{run_label(dates)}.json"


def metrics_uri(output_root: str, job: str, dates: "list[dt.date]") -> str:
    """Where a job's metrics go, beside its summary: ``<...>/<date or start_end>.metrics.json``."""
    return f"{output_root}/_runs/{job}/{run_label(dates)}.metrics.json"


def _hadoop_path(spark: SparkSession, uri: str):
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path, path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def write_json(spark: SparkSession, document: dict, uri: str) -> None:
    """Write ``document`` as one JSON file at ``uri`` (s3:// or file://), replacing it.

    Goes through the Hadoop FileSystem API so the same code writes to EMRFS on the cluster.
    """
    path, fs = _hadoop_path(spark, uri)
    # Local runs would otherwise leave a .crc file beside every file.
    fs.setWriteChecksum(False)
    data = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
    out = fs.create(path, True)
    try:
        out.write(bytearray(data))
    finally:
        out.close()


def write_summary(spark: SparkSession, summary: dict, uri: str) -> None:
    """Write a run summary as one JSON file at ``uri`` (see :func:`write_json`)."""
    write_json(spark, summary, uri)


def emit_summary(spark: SparkSession, summary: dict, uri: str) -> None:
    """Print the summary to stdout as one JSON line, then write it to ``uri``."""
    summary = dict(summary, summary_uri=uri)
    print(json.dumps(summary, sort_keys=True), flush=True)
    write_summary(spark, summary, uri)


def recorded_run(
    spark: SparkSession,
    job: str,
    output_root: str,
    dates: "list[dt.date]",
    compute: "Callable[[], dict]",
) -> dict:
    """Run an ETL job's ``compute`` (which returns its summary) with the job's run files around it.

    The job's metrics file for these dates is removed first: a metrics file exists only if the
    run wrote it, since the pipeline publishes a failed run's file. Then the metrics
    (:func:`metrics.metric_data`) are written to :func:`metrics_uri`, named in the summary as
    ``metrics_uri``, and the summary is printed and written (:func:`emit_summary`). Returns the
    summary.
    """
    uri = metrics_uri(output_root, job, dates)
    delete_path(spark, uri)
    summary = compute()
    summary["metrics_uri"] = uri
    write_json(spark, metrics.metric_data(job, summary), uri)
    emit_summary(spark, summary, summary_uri(output_root, job, dates))
    return summary


def path_exists(spark: SparkSession, uri: str) -> bool:
    """Whether a file or directory exists at ``uri``."""
    path, fs = _hadoop_path(spark, uri)
    return bool(fs.exists(path))


def list_files(spark: SparkSession, pattern: str) -> "list[tuple[str, int]]":
    """(uri, size in bytes) of the files matching a Hadoop glob, sorted by uri.

    Names starting with ``_`` or ``.`` (``_SUCCESS``, checksums) are skipped, as Spark does.
    """
    path, fs = _hadoop_path(spark, pattern)
    statuses = fs.globStatus(path) or []
    found = []
    for status in statuses:
        name = status.getPath().getName()
        if status.isFile() and not name.startswith(("_", ".")):
            found.append((status.getPath().toString(), int(status.getLen())))
    return sorted(found)


def delete_path(spark: SparkSession, uri: str) -> bool:
    """Delete a file or directory tree; returns whether something was deleted."""
    path, fs = _hadoop_path(spark, uri)
    return bool(fs.delete(path, True))


def run_concurrently(tasks: "dict[str, Callable[[], T]]") -> "dict[str, T]":
    """Run independent pieces of a job (each a callable that submits Spark jobs) in threads;
    return their results by name, in the order given.

    Spark runs jobs from several threads of one driver at once. Pieces that write different
    outputs spend time on the driver (planning, listing, committing) or in stages of a few
    small tasks, during which the executors of a cluster would idle. (On 2 local cores
    bench:etl measures no difference: the big piece keeps both busy.) If a piece fails, the
    others still finish (nothing is left half-written by an abandoned thread), then the first
    failure in the given order is raised.
    """
    if len(tasks) <= 1:
        return {name: task() for name, task in tasks.items()}
    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        futures = {name: pool.submit(task) for name, task in tasks.items()}
        wait(futures.values())
    return {name: future.result() for name, future in futures.items()}


def run_main(fn):
    """Wrap a job's ``fn(argv)`` as ``main(argv=None) -> int`` (usable as a decorator).

    A :class:`UsageError` (argparse errors included, via :func:`job_parser`) prints one line,
    ``<prog>: error: <message>``, on stderr and returns 2. Other exceptions propagate with
    their traceback: they are bugs or failed runs, not usage mistakes.
    """

    @functools.wraps(fn)
    def main(argv=None) -> int:
        prog = fn.__module__.rsplit(".", 1)[-1]
        if prog == "__main__":  # python -m marketpulse_jobs.<job>
            prog = Path(sys.argv[0]).stem
        try:
            result = fn(argv)
        except UsageError as exc:
            print(f"{prog}: error: {exc}", file=sys.stderr, flush=True)
            return USAGE_EXIT
        return result if isinstance(result, int) else 0

    return main
