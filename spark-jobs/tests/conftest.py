"""Shared pytest fixtures: one local SparkSession for the whole run, tuned for speed."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest

from marketpulse_jobs import bronze_to_silver, generate, runtime

# What the tests change in a job's local session: two cores and less memory. Everything else
# (REQUIRED_CONF, LOCAL_CONF, quiet start-up logging) is the runtime's own, so that a
# regression in those settings shows up in the tests.
TEST_OVERRIDES = {
    "spark.master": "local[2]",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "2g",
}


@pytest.fixture(scope="session")
def spark():
    session = runtime.get_spark("marketpulse-tests", local_overrides=TEST_OVERRIDES)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def generated_bronze(spark, tmp_path_factory):
    """Generated Bronze with 25% defects, made once for the generate and bronze_to_silver tests.

    Five trading days (Tuesday to Monday, a weekend in between), six symbols, four ticks an
    hour. Tests must only read it.
    """
    params = SimpleNamespace(
        start=dt.date(2024, 1, 2),
        end=dt.date(2024, 1, 8),
        symbols=6,
        seed=11,
        ticks_per_hour=4,
        defect_rate=0.25,
    )
    root = tmp_path_factory.mktemp("generated") / "bronze"
    summary = generate.run(
        spark,
        [params.start, params.end],
        params.symbols,
        params.seed,
        root.as_uri(),
        params.ticks_per_hour,
        params.defect_rate,
    )
    return SimpleNamespace(root=root, summary=summary, **vars(params))


@pytest.fixture(scope="session")
def dirty(generated_bronze, tmp_path_factory):
    """The session's generated Bronze (5 days, 25% defects) through bronze_to_silver's CLI:
    (bronze, silver, quarantine, generate summary, run summary). Tests must only read it, or
    rewrite it identically (a rerun)."""
    base = tmp_path_factory.mktemp("dirty")
    bronze, silver, quarantine = generated_bronze.root, base / "silver", base / "quarantine"
    argv = ["--start", "2024-01-02", "--end", "2024-01-08", "--bronze", str(bronze)]
    argv += ["--silver", str(silver), "--quarantine", str(quarantine)]
    assert bronze_to_silver.main(argv) == 0
    summary_file = silver / "_runs/bronze_to_silver/2024-01-02_2024-01-08.json"
    summary = json.loads(summary_file.read_text())
    return bronze, silver, quarantine, generated_bronze.summary, summary
