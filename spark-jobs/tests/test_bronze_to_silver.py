"""The Bronze -> Silver job: conservation on generated dirty data, the outputs it writes,
compaction sizing, idempotent reruns that touch no other day, and its CLI."""

import datetime as dt
import gzip
import json
import math
from pathlib import Path

import duckdb
import pytest
from pyspark.sql import functions as F

from marketpulse_jobs import bronze_to_silver as B2S
from marketpulse_jobs import quality as Q
from marketpulse_jobs.schemas import QUARANTINE_PRICES, SILVER_NEWS, SILVER_PRICES

D1, D2 = dt.date(2024, 1, 2), dt.date(2024, 1, 3)

# Which reason code each generated defect must produce.
PRICE_DEFECT_REASONS = {
    "invalid_json": Q.INVALID_JSON,
    "missing_symbol": Q.MISSING_SYMBOL,
    "bad_symbol": Q.BAD_SYMBOL,
    "missing_ts": Q.MISSING_TS,
    "bad_ts": Q.BAD_TS,
    "ts_outside_partition": Q.TS_OUTSIDE_PARTITION,
    "missing_price": Q.MISSING_PRICE,
    "price_not_positive": Q.BAD_PRICE,
    "price_nan": Q.BAD_PRICE,
    "price_infinity": Q.BAD_PRICE,
    "price_string": Q.BAD_PRICE,
    "missing_volume": Q.MISSING_VOLUME,
    "volume_negative": Q.BAD_VOLUME,
    "volume_fractional": Q.BAD_VOLUME,
    "missing_source": Q.MISSING_SOURCE,
    "conflicting_duplicate": Q.CONFLICTING_DUPLICATE,
}


def parquet_files(root: Path, dataset: str, day: dt.date):
    return sorted((root / dataset / f"trade_date={day.isoformat()}").glob("*.parquet"))


def snapshot(root: Path):
    """{file: (size, mtime)} of every file under root: to prove a run did not touch them."""
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()
    }


def test_the_conservation_invariant_holds_on_generated_dirty_data(dirty):
    _, _, _, generated, summary = dirty
    assert summary["invariant_holds"] is True
    for dataset in ("prices", "news"):
        total = summary[dataset]
        assert total["invariant_holds"] is True
        # Counted independently: by the generator as it wrote, and by the job as it read.
        assert total["non_blank_lines"] == generated[dataset]["non_blank_lines"]
        assert total["non_blank_lines"] == (
            total["silver_rows"] + total["quarantined_rows"] + total["exact_duplicates_dropped"]
        )
        assert total["exact_duplicates_dropped"] >= generated[dataset]["defects"]["duplicate_line"]
        assert summary["skipped_dates"] == ["2024-01-06", "2024-01-07"]
        for day in summary["processed_dates"]:
            assert summary["days"][day][dataset]["invariant_holds"] is True


def test_the_summary_counts_are_what_was_written(spark, dirty):
    _, silver, quarantine, _, summary = dirty
    for dataset in ("prices", "news"):
        for day in (D1, D2):
            stats = summary["days"][day.isoformat()][dataset]
            written = spark.read.parquet(str(silver / dataset / f"trade_date={day}")).count()
            bad = spark.read.parquet(str(quarantine / dataset / f"trade_date={day}")).count()
            assert (stats["silver_rows"], stats["quarantined_rows"]) == (written, bad)
            assert stats["output_files"] == len(parquet_files(silver, dataset, day)) == 1


def test_every_generated_defect_lands_in_quarantine_with_its_reason(dirty):
    _, _, _, generated, summary = dirty
    defects = generated["prices"]["defects"]
    expected = {}
    for defect, reason in PRICE_DEFECT_REASONS.items():
        assert defects[defect] > 0, defect
        expected[reason] = expected.get(reason, 0) + defects[defect]
    # One defect per record, and each caught by exactly one rule.
    assert summary["prices"]["quarantine_reasons"] == expected
    assert summary["prices"]["quarantined_rows"] == sum(expected.values())
    # News defects are named after their reason codes (fewer records: not every kind occurs).
    news = generated["news"]["defects"]
    expected = {k: n for k, n in news.items() if n and k in Q.NEWS_REASONS}
    assert summary["news"]["quarantine_reasons"] == expected


def test_silver_is_typed_valid_deduplicated_and_inside_its_day(spark, dirty):
    _, silver, _, _, _ = dirty
    prices = spark.read.schema(SILVER_PRICES).parquet(str(silver / "prices"))
    assert [(f.name, f.dataType) for f in prices.schema] == [
        (f.name, f.dataType) for f in SILVER_PRICES
    ]
    checks = prices.agg(
        F.count("*").alias("rows"),
        F.countDistinct("symbol", "ts", "source").alias("keys"),
        F.sum((F.to_date("ts") != F.col("trade_date")).cast("int")).alias("outside"),
        F.min("price").alias("min_price"),
        F.min("volume").alias("min_volume"),
        F.sum(F.col("symbol").rlike(Q.SYMBOL_PATTERN).cast("int")).alias("good_symbols"),
    ).first()
    assert checks["rows"] == checks["keys"] == checks["good_symbols"] > 0
    assert checks["outside"] == 0
    assert checks["min_price"] > 0 and checks["min_volume"] >= 0
    news = spark.read.schema(SILVER_NEWS).parquet(str(silver / "news"))
    assert news.count() == news.select("id").distinct().count() > 0


def test_each_day_is_one_silver_file_sorted_by_symbol_and_ts(spark, dirty):
    _, silver, _, _, summary = dirty
    for day in summary["processed_dates"]:
        for dataset, order in (("prices", ("symbol", "ts")), ("news", ("ts", "id"))):
            (only,) = parquet_files(silver, dataset, dt.date.fromisoformat(day))
            rows = [tuple(r) for r in spark.read.parquet(str(only)).select(*order).collect()]
            assert rows and rows == sorted(rows)


def test_nearly_unique_price_columns_are_written_without_a_dictionary(dirty):
    # Parquet's own metadata, read by DuckDB: ts and price are plain, symbol keeps its dictionary.
    _, silver, _, _, summary = dirty
    (path,) = parquet_files(silver, "prices", dt.date.fromisoformat(summary["processed_dates"][0]))
    rows = duckdb.sql(
        f"SELECT path_in_schema, encodings FROM parquet_metadata('{path}')"
    ).fetchall()
    dictionary = {column: "DICTIONARY" in encodings for column, encodings in rows}
    assert dictionary == {
        "symbol": True,
        "ts": False,
        "price": False,
        "volume": True,
        "source": True,
    }


def test_quarantine_keeps_the_raw_line_the_file_and_the_reasons(spark, dirty):
    bronze, _, quarantine, _, _ = dirty
    bad = spark.read.parquet(str(quarantine / "prices"))
    assert set(bad.columns) == {f.name for f in QUARANTINE_PRICES.fields}
    rows = bad.collect()
    assert rows and all(r._errors and r._raw for r in rows)
    assert all(set(r._errors) <= set(Q.PRICE_REASONS) for r in rows)
    prefix = bronze.as_posix() + "/prices/date="
    assert all(r._file.startswith("file:") and prefix in r._file for r in rows)
    assert all(f"date={r.trade_date}" in r._file for r in rows)


def test_a_rerun_is_idempotent_and_touches_no_other_day(spark, dirty):
    bronze, silver, quarantine, _, summary = dirty

    def day_rows(root, dataset, day):
        df = spark.read.parquet(str(root / dataset / f"trade_date={day}"))
        return sorted(df.collect(), key=repr)

    before = {
        (ds, root): day_rows(root, ds, D2)
        for ds in ("prices", "news")
        for root in (silver, quarantine)
    }
    other_day = snapshot(silver / "prices" / f"trade_date={D1}")
    other_day.update(snapshot(quarantine / "prices" / f"trade_date={D1}"))

    again = B2S.run(spark, [D2], bronze.as_uri(), silver.as_uri(), quarantine.as_uri())

    assert again["days"][str(D2)] == summary["days"][str(D2)]
    for (dataset, root), rows in before.items():
        assert day_rows(root, dataset, D2) == rows
        assert len(parquet_files(root, dataset, D2)) == 1
    after = snapshot(silver / "prices" / f"trade_date={D1}")
    after.update(snapshot(quarantine / "prices" / f"trade_date={D1}"))
    assert after == other_day


def write_bronze(bronze: Path, dataset: str, day: dt.date, lines_by_hour, gz_hours=()):
    for hour, lines in lines_by_hour.items():
        folder = bronze / dataset / f"date={day}" / f"hour={hour:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = "".join(line + "\n" for line in lines).encode()
        if hour in gz_hours:
            (folder / "part-00000.jsonl.gz").write_bytes(gzip.compress(data))
        else:
            (folder / "part-00000.jsonl").write_bytes(data)


def tick(day, hour, i, price=100.0):
    ts = f"{day}T{hour:02d}:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z"
    return json.dumps({"symbol": "AAPL", "ts": ts, "price": price + i, "volume": i, "source": "x"})


def test_compaction_sizes_files_from_the_input_and_reruns_replace_only_their_day(spark, tmp_path):
    bronze, silver, quarantine = tmp_path / "bronze", tmp_path / "silver", tmp_path / "quarantine"
    # D1 is small; D2 is bigger, with one gzipped hour. Both have 24 hourly files.
    write_bronze(bronze, "prices", D1, {h: [tick(D1, h, 0)] for h in range(24)})
    write_bronze(
        bronze, "prices", D2, {h: [tick(D2, h, i) for i in range(40)] for h in range(24)}, [5]
    )
    sizes = {
        day: sum(p.stat().st_size for p in (bronze / "prices" / f"date={day}").rglob("*.jsonl*"))
        for day in (D1, D2)
    }
    target = sizes[D2] // 4 - 1  # just under a quarter: five files
    expected = {day: math.ceil(size / target) for day, size in sizes.items()}
    assert expected == {D1: 1, D2: 5}

    summary = B2S.run(
        spark, [D1, D2], bronze.as_uri(), silver.as_uri(), quarantine.as_uri(), target
    )

    for day in (D1, D2):
        stats = summary["days"][str(day)]["prices"]
        assert stats["input_bytes"] == sizes[day]
        assert stats["input_files"] == 24
        assert stats["output_files"] == len(parquet_files(silver, "prices", day)) == expected[day]
    assert summary["days"][str(D2)]["prices"]["silver_rows"] == 24 * 40  # the .gz hour included
    assert summary["days"][str(D1)]["news"]["input_files"] == 0

    # Day 1's Bronze is replaced by junk: the rerun empties its Silver partition, fills its
    # quarantine, and leaves day 2 alone.
    untouched = snapshot(silver / "prices" / f"trade_date={D2}")
    for hour_file in (bronze / "prices" / f"date={D1}").rglob("*.jsonl"):
        hour_file.write_text("junk\n\n")
    rerun = B2S.run(spark, [D1], bronze.as_uri(), silver.as_uri(), quarantine.as_uri(), target)
    stats = rerun["days"][str(D1)]["prices"]
    assert (stats["silver_rows"], stats["quarantined_rows"], stats["exact_duplicates_dropped"]) == (
        0,
        1,
        23,
    )
    assert not (silver / "prices" / f"trade_date={D1}").exists()
    assert snapshot(silver / "prices" / f"trade_date={D2}") == untouched


def _cli(tmp_path, *args):
    argv = list(args)
    for flag in ("--bronze", "--silver", "--quarantine"):
        if flag not in argv:
            argv += [flag, str(tmp_path / flag.strip("-"))]
    return B2S.main(argv)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2024-02-30"], "invalid date '2024-02-30'"),
        (["--date", "2024-01-02", "--silver", "gs://b/silver"], "unsupported URI scheme 'gs'"),
        (["--start", "2024-01-03", "--end", "2024-01-02"], "is before --start"),
        (["--date", "2024-01-02", "--target-file-bytes", "0"], "expected a positive integer"),
        (["--date", "2024-01-02"], "Bronze root not found"),
    ],
)
def test_cli_mistakes_give_one_line_and_exit_code_2(spark, tmp_path, capsys, args, message):
    assert _cli(tmp_path, *args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("bronze_to_silver: error: ")
    assert message in err


def test_cli_reports_a_day_without_bronze_in_one_line(spark, tmp_path, capsys):
    write_bronze(tmp_path / "bronze", "prices", D1, {0: [tick(D1, 0, 0)]})
    assert _cli(tmp_path, "--date", str(D2)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no Bronze input" in err and "2024-01-03" in err
