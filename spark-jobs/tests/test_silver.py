"""Bronze -> Silver transforms: statuses, deduplication, partition dates and output schemas."""

import datetime as dt
import json
import random

from pyspark.sql import functions as F

from marketpulse_jobs import quality as Q
from marketpulse_jobs.schemas import QUARANTINE_NEWS, QUARANTINE_PRICES, SILVER_NEWS, SILVER_PRICES
from marketpulse_jobs.transforms import silver as S

D1, D2 = dt.date(2024, 1, 2), dt.date(2024, 1, 3)


def tick(symbol="AAPL", ts="2024-01-02T14:30:00Z", price=100.0, volume=10, source="nasdaq", **x):
    return json.dumps(dict(symbol=symbol, ts=ts, price=price, volume=volume, source=source, **x))


def article(id="n-1", ts="2024-01-02T09:00:00Z", symbols=("AAPL",), sentiment=0.5, **x):
    record = dict(id=id, ts=ts, symbols=list(symbols), headline="h", source="wire")
    return json.dumps(dict(record, sentiment=sentiment, **x))


def lines_df(spark, lines, partitions=None):
    """(line, trade_date) pairs or bare lines (on D1) -> the transforms' input DataFrame."""
    rows = [
        (x, "file:///bronze/f.jsonl", D1) if isinstance(x, str) else (x[0], "f", x[1])
        for x in lines
    ]
    df = spark.createDataFrame(rows, "_raw string, _file string, trade_date date")
    return df.repartition(partitions) if partitions else df


def outcomes(classified):
    """{raw line: sorted list of (status, errors)}: one entry per occurrence."""
    found = {}
    for row in classified.select(S.RAW, S.STATUS, S.ERRORS).collect():
        found.setdefault(row[S.RAW], []).append((row[S.STATUS], row[S.ERRORS]))
    return {raw: sorted(v) for raw, v in found.items()}


def test_blank_lines_are_not_records(spark):
    classified = S.classify_prices(lines_df(spark, ["", "   ", "\t", tick()]))
    assert classified.count() == 1


def test_exact_duplicate_lines_are_dropped_and_counted(spark):
    line = tick()
    got = outcomes(S.classify_prices(lines_df(spark, [line, line, line])))
    assert got == {line: [(S.DUPLICATE, []), (S.DUPLICATE, []), (S.SILVER, [])]}


def test_the_same_values_written_differently_are_duplicates_not_conflicts(spark):
    reordered = json.dumps(
        {
            "volume": "10",
            "source": "nasdaq",
            "price": 1e2,
            "ts": "2024-01-02T14:30:00Z",
            "symbol": "AAPL",
        }
    )
    extra = tick(venue="XNAS")
    got = outcomes(S.classify_prices(lines_df(spark, [tick(), reordered, extra])))
    assert sorted(s for v in got.values() for s, _ in v) == [S.DUPLICATE, S.DUPLICATE, S.SILVER]


def test_conflicting_duplicates_keep_one_deterministic_winner(spark):
    variants = [tick(price=p) for p in (100.5, 100.0, 101.0)] + [tick(volume=11)]
    winner = min(variants)  # the raw line that sorts first
    for seed in range(3):
        shuffled = random.Random(seed).sample(variants, len(variants))
        got = outcomes(S.classify_prices(lines_df(spark, shuffled, partitions=seed + 1)))
        assert got[winner] == [(S.SILVER, [])]
        for loser in set(variants) - {winner}:
            assert got[loser] == [(S.QUARANTINED, [Q.CONFLICTING_DUPLICATE])]


def test_a_conflict_loser_is_quarantined_with_its_bronze_text(spark):
    # Valid rows travel without their text; a loser gets it back, as written in its line.
    winner, loser = tick(price=100.0), tick(price=101.5, volume="11")
    classified = S.classify_prices(lines_df(spark, [loser, winner], partitions=2))
    (row,) = S.quarantine_prices(classified).collect()
    assert (row._raw, row._errors) == (loser, [Q.CONFLICTING_DUPLICATE])
    assert row.asDict() | {"_raw": None, "_file": None, "_errors": None} == {
        "symbol": "AAPL",
        "ts": "2024-01-02T14:30:00Z",
        "price": "101.5",
        "volume": "11",
        "source": "nasdaq",
        "_raw": None,
        "_file": None,
        "_errors": None,
        "trade_date": D1,
    }
    news = [article(id="n-3", symbols=("MSFT", "AAPL"), sentiment=-0.25), article(id="n-3")]
    (row,) = S.quarantine_news(S.classify_news(lines_df(spark, news, partitions=2))).collect()
    assert (row._raw, row._errors) == (news[0], [Q.CONFLICTING_DUPLICATE])
    assert (row.ts, row.symbols, row.sentiment) == (
        "2024-01-02T09:00:00Z",
        '["MSFT","AAPL"]',
        "-0.25",
    )


def test_a_line_repeated_in_several_files_is_quarantined_from_the_first_file(spark):
    bad = tick(price=-1)
    files = [
        "file:///bronze/hour=07/b.jsonl",
        "file:///bronze/hour=03/z.jsonl",
        "file:///b/a.jsonl",
    ]
    for seed in range(3):
        order = random.Random(seed).sample(files, len(files))
        rows = [(bad, f, D1) for f in order]
        df = spark.createDataFrame(rows, "_raw string, _file string, trade_date date")
        quarantined = S.quarantine_prices(S.classify_prices(df.repartition(seed + 1))).collect()
        assert [r[S.FILE] for r in quarantined] == [min(files)]


def test_the_key_is_symbol_ts_and_source(spark):
    lines = [
        tick(),
        tick(source="iex", price=99.0),
        tick(symbol="MSFT", price=1.0),
        tick(ts="2024-01-02T14:30:00.001Z"),
    ]
    got = outcomes(S.classify_prices(lines_df(spark, lines)))
    assert all(v == [(S.SILVER, [])] for v in got.values())


def test_invalid_duplicates_are_grouped_by_line_and_never_conflict(spark):
    bad = tick(price=-1)
    other_bad = tick(price=-2)
    got = outcomes(S.classify_prices(lines_df(spark, [bad, bad, other_bad, tick()])))
    assert got[bad] == [(S.DUPLICATE, [Q.BAD_PRICE]), (S.QUARANTINED, [Q.BAD_PRICE])]
    assert got[other_bad] == [(S.QUARANTINED, [Q.BAD_PRICE])]
    assert got[tick()] == [(S.SILVER, [])]


def test_a_ts_outside_the_partition_date_is_quarantined_not_moved(spark):
    late = tick(ts="2024-01-02T23:59:59Z")
    lines = [(late, D1), (late, D2), (tick(ts="2024-01-03T00:00:01Z"), D2)]
    classified = S.classify_prices(lines_df(spark, lines))
    rows = classified.select(S.TRADE_DATE, S.RAW, S.STATUS, S.ERRORS).collect()
    by_day = {(r[S.TRADE_DATE], r[S.RAW]): (r[S.STATUS], r[S.ERRORS]) for r in rows}
    assert by_day[(D1, late)] == (S.SILVER, [])
    assert by_day[(D2, late)] == (S.QUARANTINED, [Q.TS_OUTSIDE_PARTITION])
    silver_days = {r["trade_date"] for r in S.silver_prices(classified).collect()}
    assert silver_days == {D1, D2}
    assert all(r["ts"].date() == r["trade_date"] for r in S.silver_prices(classified).collect())


def test_every_non_blank_line_gets_exactly_one_status(spark):
    lines = [tick(), tick(), tick(price=2.0), "junk", "junk", "", tick(symbol="bad")]
    classified = S.classify_prices(lines_df(spark, lines))
    counts = {r[S.STATUS]: r["count"] for r in classified.groupBy(S.STATUS).count().collect()}
    assert counts == {S.SILVER: 1, S.DUPLICATE: 2, S.QUARANTINED: 3}
    assert sum(counts.values()) == len([x for x in lines if x.strip()])


def _shape(schema):
    return [(f.name, f.dataType.simpleString()) for f in schema.fields]


def test_silver_and_quarantine_prices_have_the_contract_schemas(spark):
    lines = [tick(ts="2024-01-02T14:30:00.5Z", price="2.5", volume="3"), "junk"]
    classified = S.classify_prices(lines_df(spark, lines))
    silver = S.silver_prices(classified)
    assert _shape(silver.schema) == _shape(SILVER_PRICES)
    rows = sorted(silver.collect())
    assert [(r.price, r.volume) for r in rows] == [(2.5, 3)]
    assert rows[0].ts == dt.datetime(2024, 1, 2, 14, 30, 0, 500000)
    bad = S.quarantine_prices(classified)
    assert _shape(bad.schema) == _shape(QUARANTINE_PRICES)
    assert [(r._raw, r._errors, r._file) for r in bad.collect()] == [
        ("junk", [Q.INVALID_JSON], "file:///bronze/f.jsonl")
    ]


def test_news_are_deduplicated_on_id(spark):
    fields = json.loads(article())
    reordered = json.dumps({k: fields[k] for k in sorted(fields, reverse=True)})
    conflict = [article(id="n-3", sentiment=0.1), article(id="n-3", sentiment=0.2)]
    lines = [article(), article(), reordered, article(id="n-2"), *conflict]
    got = outcomes(S.classify_news(lines_df(spark, lines)))
    assert got[article()] == [(S.DUPLICATE, []), (S.SILVER, [])]
    assert got[reordered] == [(S.DUPLICATE, [])]
    assert got[article(id="n-2")] == [(S.SILVER, [])]
    assert got[conflict[0]] == [(S.SILVER, [])]
    assert got[conflict[1]] == [(S.QUARANTINED, [Q.CONFLICTING_DUPLICATE])]


def test_silver_and_quarantine_news_have_the_contract_schemas(spark):
    lines = [article(symbols=("AAPL", "MSFT"), headline=None), article(id="", sentiment=2)]
    classified = S.classify_news(lines_df(spark, lines))
    silver = S.silver_news(classified)
    assert _shape(silver.schema) == _shape(SILVER_NEWS)
    (row,) = silver.collect()
    assert (row.symbols, row.sentiment, row.headline) == (["AAPL", "MSFT"], 0.5, None)
    bad = S.quarantine_news(classified)
    assert _shape(bad.schema) == _shape(QUARANTINE_NEWS)
    assert [r._errors for r in bad.collect()] == [[Q.MISSING_ID, Q.BAD_SENTIMENT]]


def test_outcome_counts_group_by_day_status_and_reasons(spark):
    lines = [(tick(), D1), (tick(), D1), ("junk", D1), ("junk2", D2)]
    counts = S.outcome_counts(S.classify_prices(lines_df(spark, lines))).collect()
    assert sorted(
        (r[S.TRADE_DATE], r[S.STATUS], tuple(r[S.ERRORS]), r["count"]) for r in counts
    ) == [
        (D1, S.DUPLICATE, (), 1),
        (D1, S.QUARANTINED, (Q.INVALID_JSON,), 1),
        (D1, S.SILVER, (), 1),
        (D2, S.QUARANTINED, (Q.INVALID_JSON,), 1),
    ]


def test_the_narrow_frame_the_job_caches_gives_the_same_outputs(spark):
    prices = [tick(), tick(), tick(price=2.0), tick(symbol="bad"), "junk", tick(symbol="MSFT")]
    news = [article(), article(), article(sentiment=0.1), article(id="", sentiment=2)]
    for classify, outputs, lines in (
        (S.classify_prices, (S.silver_prices, S.quarantine_prices), prices),
        (S.classify_news, (S.silver_news, S.quarantine_news), news),
    ):
        classified = classify(lines_df(spark, lines))
        narrow = S.for_outputs(classified)
        for output in outputs:
            rows = output(narrow).collect()
            assert sorted(map(repr, rows)) == sorted(map(repr, output(classified).collect()))
            assert rows
        kept = narrow.where(F.col(S.STATUS) != S.QUARANTINED).collect()
        assert kept and all(
            r[S.RAW] is None and r[S.FILE] is None and r["ts"] is None for r in kept
        )


def test_classifying_by_day_gives_the_same_statuses_with_each_day_in_one_sorted_partition(
    spark,
):
    d2 = "2024-01-03T10:00:00Z"
    lines = [tick(), tick(), tick(price=2.0), tick(symbol="bad"), "junk", tick(symbol="MSFT")]
    lines += [tick(symbol=s, ts=f"2024-01-02T1{h}:00:00Z") for s in ("ZZ", "AA") for h in range(3)]
    lines += [(tick(ts=d2), D2), (tick(ts=d2), D2), (tick(ts=d2, volume=3), D2), ("junk", D2)]
    df = lines_df(spark, lines, partitions=3)
    by_day = S.classify_prices(df, by_day=True)
    assert sorted(map(repr, by_day.collect())) == sorted(map(repr, S.classify_prices(df).collect()))
    # Each day sits in one partition, its valid rows in (symbol, ts) order: a writer of one
    # file per day can skip its own shuffle.
    tagged = by_day.select(
        S.TRADE_DATE, S.STATUS, "symbol", "_ts", F.spark_partition_id().alias("p")
    )
    partitions = {}
    for row in tagged.collect():
        partitions.setdefault(row[S.TRADE_DATE], set()).add(row["p"])
    assert set(partitions) == {D1, D2} and all(len(p) == 1 for p in partitions.values())
    for part in by_day.rdd.glom().collect():
        valid = [(r[S.TRADE_DATE], r["symbol"], r["_ts"]) for r in part if r[S.STATUS] == S.SILVER]
        assert valid == sorted(valid)
