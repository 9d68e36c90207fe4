"""The silver_to_gold job: incremental runs equal a backfill bit for bit, reruns are idempotent,
rewriting an earlier day recomputes the later ones, and the CLI reports a run summary."""

import contextlib
import datetime as dt
import io
import json
import random
import shutil

import pytest

from marketpulse_jobs import schemas
from marketpulse_jobs import silver_to_gold as job

D1 = dt.date(2024, 1, 1)
N_DAYS = 70
SYMBOLS = {"AAA": 100.0, "BBB": 40.0, "CCC": 15.0}
HOLIDAYS = (33, 52)  # days (1-based) with news but no trading

DAILY_PRICE_COLUMNS = [
    "symbol", "trade_date", "open", "high", "low", "close", "volume", "vwap", "return_1d",
    "sma_20", "sma_50", "ema_12", "ema_26", "macd", "macd_signal", "macd_hist", "rsi_14",
    "bb_mid_20", "bb_upper_20", "bb_lower_20", "return_zscore_20", "is_anomaly",
]  # fmt: skip
KEYS = {
    "daily_prices": ["symbol", "trade_date"],
    "sentiment_daily": ["symbol", "trade_date"],
    "correlations": ["trade_date", "symbol_a", "symbol_b", "window"],
}


def day(n):
    """Day n of the test range, 1-based."""
    return D1 + dt.timedelta(days=n - 1)


def days(first, last):
    return [day(n) for n in range(first, last + 1)]


def silver_rows(seed=1):
    """Synthetic Silver: a few ticks per symbol and trading day, a few articles every day."""
    rng = random.Random(seed)
    last = dict(SYMBOLS)
    ticks, news = [], []
    for n in range(1, N_DAYS + 1):
        d = day(n)
        midnight = dt.datetime.combine(d, dt.time(), tzinfo=dt.timezone.utc)
        if n not in HOLIDAYS:
            for sym in SYMBOLS:
                for k in range(4):
                    last[sym] *= 1 + rng.gauss(0, 0.015)
                    ts = midnight + dt.timedelta(hours=9 + 2 * k, minutes=rng.randrange(60))
                    ticks.append((sym, ts, round(last[sym], 4), rng.randrange(1, 500), "x", d))
        for k in range(3):
            symbols = rng.sample(sorted(SYMBOLS), rng.choice([1, 2]))
            ts = midnight + dt.timedelta(hours=8 + k)
            news.append(
                (f"n{n}-{k}", ts, symbols, "headline", "wire", round(rng.uniform(-1, 1), 3), d)
            )
    return ticks, news


def write_silver(spark, root, ticks, news):
    for name, rows, schema in (
        ("prices", ticks, schemas.SILVER_PRICES),
        ("news", news, schemas.SILVER_NEWS),
    ):
        df = spark.createDataFrame(rows, schema).repartition(1)
        df.write.mode("overwrite").partitionBy("trade_date").parquet(f"{root}/{name}")


def table(spark, gold, name):
    rows = spark.read.parquet(f"{gold}/{name}").collect()
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in KEYS[name]))


def tables(spark, gold):
    return {name: table(spark, gold, name) for name in job.TABLES}


@pytest.fixture(scope="module", autouse=True)
def fast_spark(spark):
    # Tiny inputs: adaptive execution only adds a job per stage here, and a few dozen partition
    # directories would otherwise be listed by a Spark job on every read.
    settings = {
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.sources.parallelPartitionDiscovery.threshold": "10000",
    }
    saved = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    yield
    for key, value in saved.items():
        if value is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, value)


CORRECTED_DAY = 40  # Silver for this day is corrected after Gold was first built from it


def corrected(ticks):
    """The same ticks with BBB's day-40 prices restated 5% higher."""
    d = day(CORRECTED_DAY)
    return [(s, ts, p * 1.05 if (s, t) == ("BBB", d) else p, v, src, t)
            for s, ts, p, v, src, t in ticks]  # fmt: skip


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory):
    """Silver as first delivered (``silver``) and after the day-40 correction (``silver_v2``)."""
    root = tmp_path_factory.mktemp("lake")
    ticks, news = silver_rows()
    write_silver(spark, root.joinpath("silver").as_uri(), ticks, news)
    write_silver(spark, root.joinpath("silver_v2").as_uri(), corrected(ticks), news)
    return root


@pytest.fixture(scope="module")
def backfill(spark, lake):
    """The reference: one backfill over the corrected Silver."""
    gold = lake.joinpath("gold_backfill").as_uri()
    summary = job.run(spark, days(1, N_DAYS), lake.joinpath("silver_v2").as_uri(), gold)
    return gold, summary, tables(spark, gold)


@pytest.fixture(scope="module")
def incremental(spark, lake):
    """Gold built the way production builds it: single-day runs (the first day, with no Gold
    yet; a holiday, with news but no prices) and ranges over the Silver first delivered; then
    day 40 rerun alone once its Silver is corrected; then the last day alone, through the
    command line, when every indicator and the 30-day correlations are past their warm-up."""
    gold = lake.joinpath("gold_incremental").as_uri()
    v1, v2 = lake.joinpath("silver").as_uri(), lake.joinpath("silver_v2").as_uri()
    summaries = [job.run(spark, part, v1, gold) for part in ([day(1)], days(2, 32), [day(33)])]
    summaries.append(job.run(spark, days(34, 69), v1, gold))
    before = tables(spark, gold)
    fix = job.run(spark, [day(CORRECTED_DAY)], v2, gold)
    # A plain path is accepted for --silver and becomes a file:// URI.
    argv = ["--date", day(N_DAYS).isoformat(), "--silver", str(lake / "silver_v2"), "--gold", gold]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = job.main(argv)
    summaries.append(json.loads(stdout.getvalue().strip().splitlines()[-1]))
    return {
        "gold": gold,
        "summaries": summaries,
        "exit_code": code,
        "before_fix": before,
        "fix": fix,
        "final": tables(spark, gold),
    }


def test_backfill_writes_every_table(backfill):
    _, summary, out = backfill
    trading_days = N_DAYS - len(HOLIDAYS)
    assert summary["daily_prices"] == {
        "rows": 3 * trading_days,
        "dates": trading_days,
        "cleared_dates": [],
    }
    assert summary["correlations"]["rows"] == trading_days * 3 * 2  # 3 pairs, 2 windows
    assert summary["silver_ticks"] == 3 * 4 * trading_days
    assert summary["history_rows"] == 0 and summary["recomputed_later_dates"] == []
    assert summary["sentiment_daily"]["dates"] == N_DAYS  # holidays have news
    assert len(out["daily_prices"]) == summary["daily_prices"]["rows"]
    assert len(out["sentiment_daily"]) == summary["sentiment_daily"]["rows"]
    assert len(out["correlations"]) == summary["correlations"]["rows"]


def test_gold_columns_and_types(spark, backfill):
    gold, _, _ = backfill
    prices = spark.read.parquet(f"{gold}/daily_prices")
    # Read back by partition discovery, the partition column comes last.
    assert prices.columns == [c for c in DAILY_PRICE_COLUMNS if c != "trade_date"] + ["trade_date"]
    assert {f.name: f.dataType for f in prices.schema} == {
        f.name: f.dataType for f in schemas.GOLD_DAILY_PRICES
    }
    for name in ("sentiment_daily", "correlations"):
        df = spark.read.parquet(f"{gold}/{name}")
        expected = job.TABLES[name]
        assert sorted(df.columns) == sorted(expected.names)
        assert {f.name: f.dataType for f in df.schema} == {f.name: f.dataType for f in expected}


def test_holidays_have_sentiment_but_no_prices_or_correlations(backfill):
    _, _, out = backfill
    for n in HOLIDAYS:
        assert not [r for r in out["daily_prices"] if r["trade_date"] == day(n)]
        assert not [r for r in out["correlations"] if r["trade_date"] == day(n)]
        sentiment = [r for r in out["sentiment_daily"] if r["trade_date"] == day(n)]
        assert sentiment and sum(r["article_count"] for r in sentiment) > 0


def test_incremental_runs_equal_the_backfill_bit_for_bit(backfill, incremental):
    _, _, expected = backfill
    actual = incremental["final"]
    summaries = incremental["summaries"]
    assert summaries[0]["history_rows"] == 0
    assert summaries[-1]["history_rows"] == 3 * (N_DAYS - 1 - len(HOLIDAYS))
    for name in job.TABLES:
        assert len(actual[name]) == len(expected[name]), name
        for a, e in zip(actual[name], expected[name]):
            assert a == e, (name, a, e)  # == on every column: identical doubles
    # The comparison covers every indicator past its warm-up, from a single-day run.
    last = [r for r in actual["daily_prices"] if r["trade_date"] == day(N_DAYS)]
    assert len(last) == 3
    assert all(r[c] is not None for r in last for c in DAILY_PRICE_COLUMNS)
    full_30 = [r for r in actual["correlations"] if r["window"] == 30 and r["corr"] is not None]
    assert full_30 and min(r["trade_date"] for r in full_30) <= day(34)


def test_rewriting_an_earlier_day_recomputes_the_later_days(incremental):
    """Rerunning day 40 alone, after its Silver was corrected, rewrote every later Gold day
    (the previous test shows the result equals a backfill over the corrected Silver)."""
    fix, before = incremental["fix"], incremental["before_fix"]
    assert fix["recomputed_later_dates"] == [d.isoformat() for d in days(41, 69)]
    assert fix["daily_prices"]["dates"] == 69 - CORRECTED_DAY  # days 40..69 but holiday 52
    after = {(r["symbol"], r["trade_date"]): r for r in incremental["final"]["daily_prices"]}
    old = {(r["symbol"], r["trade_date"]): r for r in before["daily_prices"]}
    # The EMA carries the corrected day-40 close on to day 69; other symbols are untouched.
    assert after[("BBB", day(69))]["ema_26"] != old[("BBB", day(69))]["ema_26"]
    assert after[("AAA", day(69))] == old[("AAA", day(69))]


def test_rerun_is_idempotent(spark, lake, incremental):
    gold = incremental["gold"]
    before = incremental["final"]
    summary = job.run(spark, [day(60)], lake.joinpath("silver_v2").as_uri(), gold)
    assert summary["recomputed_later_dates"] == [d.isoformat() for d in days(61, N_DAYS)]
    assert tables(spark, gold) == before
    # Still one file per partition: the partitions were replaced, not appended to.
    files = list(lake.joinpath("gold_incremental", "daily_prices").glob("trade_date=*/*.parquet"))
    assert len(files) == N_DAYS - len(HOLIDAYS)


def test_a_day_that_lost_its_prices_loses_its_price_partitions(spark, lake, incremental):
    """Rerun the last day after its Silver prices were withdrawn (its news remain): the
    day's old daily_prices and correlations partitions must go, not linger."""
    silver_v3 = lake / "silver_v3"
    shutil.copytree(lake / "silver_v2", silver_v3)
    shutil.rmtree(silver_v3 / "prices" / f"trade_date={day(N_DAYS).isoformat()}")
    summary = job.run(spark, [day(N_DAYS)], silver_v3.as_uri(), incremental["gold"])
    last = day(N_DAYS).isoformat()
    assert summary["daily_prices"]["cleared_dates"] == [last]
    assert summary["correlations"]["cleared_dates"] == [last]
    assert summary["sentiment_daily"]["dates"] == 1  # the news still make sentiment rows
    gold = lake / "gold_incremental"
    assert not (gold / "daily_prices" / f"trade_date={last}").exists()
    assert not (gold / "correlations" / f"trade_date={last}").exists()
    sentiment = table(spark, incremental["gold"], "sentiment_daily")
    assert {r["article_count"] > 0 for r in sentiment if r["trade_date"] == day(N_DAYS)} == {True}


def test_cli_prints_and_writes_the_run_summary(lake, incremental):
    assert incremental["exit_code"] == 0
    printed = incremental["summaries"][-1]
    assert printed["job"] == "silver_to_gold"
    assert printed["silver"] == lake.joinpath("silver_v2").as_uri()
    assert printed["daily_prices"] == {"rows": 3, "dates": 1, "cleared_dates": []}
    written = lake.joinpath("gold_incremental", "_runs", "silver_to_gold", "2024-03-10.json")
    assert json.loads(written.read_text()) == printed


def test_cli_usage_errors(lake, capsys):
    silver, gold = str(lake.joinpath("silver")), str(lake.joinpath("gold_errors"))
    assert job.main(["--date", "2025-06-01", "--silver", silver, "--gold", gold]) == 2
    assert "no Silver input" in capsys.readouterr().err
    assert job.main(["--start", "2024-01-01", "--silver", silver, "--gold", gold]) == 2
    assert "--start needs --end" in capsys.readouterr().err
    assert job.main(["--date", "2024-01-01", "--silver", str(lake / "nope"), "--gold", gold]) == 2
    assert "Silver root not found" in capsys.readouterr().err
    assert not lake.joinpath("gold_errors").exists()
