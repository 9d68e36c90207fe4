"""Job plumbing: dates, URIs, argument conventions, one-line errors, run summaries."""

import argparse
import datetime as dt
import json
import threading
from pathlib import Path

import pytest

from marketpulse_jobs import runtime


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2024-01-02", dt.date(2024, 1, 2)), ("2024-02-29", dt.date(2024, 2, 29))],
)
def test_parse_date_accepts_iso_dates(text, expected):
    assert runtime.parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["2024-1-2", "20240102", "2024-02-30", "2023-02-29", "2024-01-02T00:00", " 2024-01-02", ""],
)
def test_parse_date_rejects_anything_else(text):
    with pytest.raises(argparse.ArgumentTypeError, match="invalid date"):
        runtime.parse_date(text)


def test_date_range_is_inclusive():
    days = runtime.date_range(dt.date(2024, 2, 28), dt.date(2024, 3, 1))
    assert days == [dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 3, 1)]
    assert runtime.date_range(dt.date(2024, 3, 2), dt.date(2024, 3, 1)) == []


def test_normalise_uri_keeps_s3_and_makes_paths_absolute_file_uris(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runtime.normalise_uri("s3://bucket/lake/bronze/") == "s3://bucket/lake/bronze"
    assert runtime.normalise_uri("s3://bucket") == "s3://bucket"
    assert runtime.normalise_uri("data/bronze") == (tmp_path / "data/bronze").as_uri()
    assert runtime.normalise_uri(str(tmp_path) + "/x/") == (tmp_path / "x").as_uri()
    assert runtime.normalise_uri((tmp_path / "y").as_uri()) == (tmp_path / "y").as_uri()
    assert runtime.normalise_uri((tmp_path / "a b").as_uri()) == (tmp_path / "a b").as_uri()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("s3a://bucket/x", "unsupported URI scheme 's3a'"),
        ("hdfs:///x", "unsupported URI scheme 'hdfs'"),
        ("https://example.com/x", "unsupported URI scheme 'https'"),
        ("s3:///no-bucket", "no bucket"),
        ("file://relative/path", "absolute path"),
        ("  ", "invalid URI"),
    ],
)
def test_normalise_uri_rejects_other_schemes_clearly(text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        runtime.normalise_uri(text)


def _dates(argv):
    parser = runtime.job_parser("job")
    runtime.add_date_args(parser)
    return runtime.dates_from_args(parser.parse_args(argv))


def test_date_args_take_one_date_or_an_inclusive_range():
    assert _dates(["--date", "2024-01-05"]) == [dt.date(2024, 1, 5)]
    assert _dates(["--start", "2024-01-05", "--end", "2024-01-07"]) == [
        dt.date(2024, 1, 5),
        dt.date(2024, 1, 6),
        dt.date(2024, 1, 7),
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "one of the arguments --date --start is required"),
        (["--date", "2024-01-05", "--start", "2024-01-05"], "not allowed with argument"),
        (["--start", "2024-01-05"], "--start needs --end"),
        (["--date", "2024-01-05", "--end", "2024-01-06"], "--end goes with --start"),
        (["--start", "2024-01-05", "--end", "2024-01-04"], "is before --start"),
        (["--date", "05/01/2024"], "invalid date '05/01/2024'"),
    ],
)
def test_date_arg_mistakes_are_usage_errors(argv, message):
    with pytest.raises(runtime.UsageError, match=message):
        _dates(argv)


def test_run_label_and_summary_uri():
    one, two = dt.date(2024, 1, 2), dt.date(2024, 1, 3)
    assert runtime.summary_uri("s3://b/silver", "bronze_to_silver", [one]) == (
        "s3://b/silver/_runs/bronze_to_silver/2024-01-02.json"
    )
    assert runtime.run_label([one, two]) == "2024-01-02_2024-01-03"


def test_run_main_turns_a_usage_error_into_one_line_and_exit_code_2(capsys):
    def job(argv):
        parser = runtime.job_parser("job")
        parser.add_argument("--silver", type=runtime.normalise_uri, required=True)
        parser.parse_args(argv)
        return 0

    main = runtime.run_main(job)
    assert main(["--silver", "gs://bucket/x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "error: argument --silver: unsupported URI scheme 'gs'" in err
    assert main(["--silver", "/tmp/x"]) == 0


def test_run_main_lets_bugs_keep_their_traceback():
    def job(argv):
        raise KeyError("bug")

    with pytest.raises(KeyError):
        runtime.run_main(job)([])


def test_positive_int():
    assert runtime.positive_int("3") == 3
    for bad in ("0", "-1", "x", "1.5"):
        with pytest.raises(argparse.ArgumentTypeError):
            runtime.positive_int(bad)


def test_the_test_session_is_a_runtime_local_session(spark):
    """conftest builds its session with runtime.get_spark: the runtime's settings are tested."""
    # Literal values, not REQUIRED_CONF's: a change to the runtime's settings must fail here.
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.sources.partitionOverwriteMode") == "dynamic"
    conf = spark.sparkContext.getConf()
    assert conf.get("spark.ui.enabled") == "false"
    assert conf.get("spark.sql.adaptive.enabled") == "true"
    # Spark appends its own --add-opens options to the ones the runtime gave.
    java_options = conf.get("spark.driver.extraJavaOptions").split()
    assert f"-Dlog4j2.configurationFile={runtime.LOG4J2_CONFIG.resolve().as_uri()}" in java_options
    assert "-XX:+UseParallelGC" in java_options
    assert conf.get("spark.sql.inMemoryColumnarStorage.compressed") == "false"
    # The JVM really runs the collector it was given.
    management = spark.sparkContext._jvm.java.lang.management.ManagementFactory
    beans = management.getGarbageCollectorMXBeans()
    assert {bean.getName() for bean in beans} == {"PS Scavenge", "PS MarkSweep"}


def test_a_plain_overwrite_replaces_only_the_partitions_it_writes(spark, tmp_path):
    """The session's dynamic partition overwrite, without the writer option the jobs add."""
    root = str(tmp_path / "t")
    df = spark.createDataFrame([(1, "a"), (2, "b")], "v int, p string")
    df.write.partitionBy("p").parquet(root)
    again = spark.createDataFrame([(3, "b")], "v int, p string")
    again.write.mode("overwrite").partitionBy("p").parquet(root)
    rows = spark.read.parquet(root).collect()
    assert sorted((r.v, r.p) for r in rows) == [(1, "a"), (3, "b")]


def test_local_conf_takes_the_driver_memory_from_the_environment(monkeypatch):
    monkeypatch.setenv("MARKETPULSE_DRIVER_MEMORY", "6g")
    conf = runtime.local_conf({"spark.master": "local[1]"})
    assert conf["spark.driver.memory"] == "6g"
    assert conf["spark.master"] == "local[1]"
    assert (
        conf["spark.sql.shuffle.partitions"] == runtime.LOCAL_CONF["spark.sql.shuffle.partitions"]
    )
    monkeypatch.delenv("MARKETPULSE_DRIVER_MEMORY")
    assert runtime.local_conf()["spark.driver.memory"] == "4g"
    monkeypatch.setenv("MARKETPULSE_DRIVER_MEMORY", "lots")
    with pytest.raises(runtime.UsageError, match="MARKETPULSE_DRIVER_MEMORY='lots'"):
        runtime.local_conf()


def test_log_level_is_checked(monkeypatch):
    monkeypatch.delenv("MARKETPULSE_LOG_LEVEL", raising=False)
    assert runtime.log_level() == "WARN"
    monkeypatch.setenv("MARKETPULSE_LOG_LEVEL", "error")
    assert runtime.log_level() == "ERROR"
    monkeypatch.setenv("MARKETPULSE_LOG_LEVEL", "LOUD")
    with pytest.raises(runtime.UsageError, match="is not a log level"):
        runtime.log_level()


def test_local_roots_are_checked_before_spark(tmp_path):
    runtime.require_input_root(tmp_path.as_uri(), "Bronze")
    runtime.require_input_root("s3://bucket/bronze", "Bronze")  # checked later, by Spark
    with pytest.raises(runtime.UsageError, match="Bronze root not found: file://"):
        runtime.require_input_root((tmp_path / "nope").as_uri(), "Bronze")
    (tmp_path / "file").write_text("x")
    runtime.require_output_root((tmp_path / "new" / "silver").as_uri(), "Silver")
    with pytest.raises(runtime.UsageError, match="Silver root cannot be created"):
        runtime.require_output_root((tmp_path / "file" / "silver").as_uri(), "Silver")


def test_get_spark_reuses_the_active_session_with_utc_and_dynamic_overwrite(spark):
    session = runtime.get_spark("test")
    assert session.sparkContext is spark.sparkContext
    assert session.conf.get("spark.sql.session.timeZone") == "UTC"
    assert session.conf.get("spark.sql.sources.partitionOverwriteMode") == "dynamic"


def test_emit_summary_prints_one_json_line_and_writes_one_file(spark, tmp_path, capsys):
    uri = runtime.summary_uri(tmp_path.as_uri(), "job", [dt.date(2024, 1, 2)])
    runtime.emit_summary(spark, {"job": "job", "rows": 1}, uri)
    runtime.emit_summary(spark, {"job": "job", "rows": 2}, uri)  # a rerun replaces it

    out = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["rows"] for line in out] == [1, 2]
    written = Path(tmp_path, "_runs", "job", "2024-01-02.json")
    assert json.loads(written.read_text()) == {"job": "job", "rows": 2, "summary_uri": uri}
    assert [p.name for p in written.parent.iterdir()] == ["2024-01-02.json"]


def test_list_files_skips_hidden_and_marker_files(spark, tmp_path):
    for name in ("b.jsonl", "a.jsonl", "_SUCCESS", ".a.jsonl.crc"):
        (tmp_path / name).write_text("x\n")
    found = runtime.list_files(spark, f"{tmp_path.as_uri()}/*")
    assert [Path(uri).name for uri, _ in found] == ["a.jsonl", "b.jsonl"]
    assert all(size == 2 for _, size in found)
    assert runtime.path_exists(spark, tmp_path.as_uri())
    assert runtime.delete_path(spark, f"{tmp_path.as_uri()}/a.jsonl")
    assert not runtime.path_exists(spark, f"{tmp_path.as_uri()}/a.jsonl")


def test_run_concurrently_runs_the_pieces_at_once_and_returns_results_in_order():
    # Each piece waits for the other at a barrier: run one after the other, both would fail.
    barrier = threading.Barrier(2, timeout=30)

    def piece(value):
        barrier.wait()
        return value

    results = runtime.run_concurrently({"b": lambda: piece(2), "a": lambda: piece(1)})
    assert list(results.items()) == [("b", 2), ("a", 1)]


def test_run_concurrently_finishes_every_piece_before_raising_the_first_failure():
    finished, failing = [], threading.Event()

    def slow():
        failing.wait(timeout=30)  # still running when the other piece fails
        finished.append("slow")
        return "done"

    def broken():
        failing.set()
        raise runtime.UsageError("broken piece")

    with pytest.raises(runtime.UsageError, match="broken piece"):
        runtime.run_concurrently({"broken": broken, "slow": slow})
    assert finished == ["slow"]
