"""Shared pytest fixtures: one local SparkSession for the whole run, tuned for speed."""

import datetime as dt
from types import SimpleNamespace

import pytest
from pyspark.sql import SparkSession

from marketpulse_jobs import generate


@pytest.fixture(scope="session")
def spark():
    session = (
        SparkSession.builder.master("local[2]")
        .appName("marketpulse-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .getOrCreate()
    )
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
