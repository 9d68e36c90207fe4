"""Each Bronze validity rule, on hand-written lines: which reason codes a line gets.

All the lines go through Spark in one job per dataset (module fixtures); the tests then look
up their own line's result.
"""

import datetime as dt
import json

import pytest
from pyspark.sql import functions as F

from marketpulse_jobs import quality as Q
from marketpulse_jobs.schemas import BRONZE_NEWS_FIELDS, BRONZE_PRICE_FIELDS

DAY = dt.date(2024, 1, 2)
GOOD_PRICE = {
    "symbol": "AAPL",
    "ts": "2024-01-02T14:30:00.123Z",
    "price": 187.25,
    "volume": 100,
    "source": "nasdaq",
}
GOOD_NEWS = {
    "id": "n-1",
    "ts": "2024-01-02T09:00:00Z",
    "symbols": ["AAPL", "BRK.B"],
    "headline": "AAPL edges higher",
    "source": "newswire",
    "sentiment": 0.25,
}


def price(**changes):
    record = dict(GOOD_PRICE, **changes)
    return json.dumps({k: v for k, v in record.items() if v is not ...})


def news(**changes):
    record = dict(GOOD_NEWS, **changes)
    return json.dumps({k: v for k, v in record.items() if v is not ...})


PRICE_CASES = {
    # Valid, including the tolerated variations.
    "valid": (price(), []),
    "valid_fraction_9_digits": (price(ts="2024-01-02T14:30:00.123456789Z"), []),
    "valid_no_fraction_plus_offset": (price(ts="2024-01-02T00:00:00+00:00"), []),
    "valid_numbers_as_strings": (price(price="187.25", volume="100"), []),
    "valid_exponent_price": (price(price=1.8725e2), []),
    "valid_zero_volume": (price(volume=0), []),
    "valid_extra_fields": (price(venue={"mic": "XNAS"}, seq=7), []),
    "valid_symbol_dot_dash": (price(symbol="BRK.B-W1"), []),
    "valid_symbol_ten_chars": (price(symbol="A123456789"), []),
    # JSON.
    "not_json": ("this is not json", [Q.INVALID_JSON]),
    "truncated": (price()[:-8], [Q.INVALID_JSON]),
    "json_array": ("[1, 2, 3]", [Q.INVALID_JSON]),
    "json_scalar": ("42", [Q.INVALID_JSON]),
    "trailing_garbage": (price() + " trailing", [Q.INVALID_JSON]),
    "single_quotes": ("{'symbol': 'AAPL'}", [Q.INVALID_JSON]),
    # Symbol.
    "missing_symbol": (price(symbol=...), [Q.MISSING_SYMBOL]),
    "null_symbol": (price(symbol=None), [Q.MISSING_SYMBOL]),
    "lowercase_symbol": (price(symbol="aapl"), [Q.BAD_SYMBOL]),
    "symbol_too_long": (price(symbol="ABCDEFGHIJK"), [Q.BAD_SYMBOL]),
    "symbol_leading_digit": (price(symbol="1ABC"), [Q.BAD_SYMBOL]),
    "symbol_empty": (price(symbol=""), [Q.BAD_SYMBOL]),
    "symbol_trailing_newline": (price(symbol="AAPL\n"), [Q.BAD_SYMBOL]),
    "symbol_number": (price(symbol=123), [Q.BAD_SYMBOL]),
    # Timestamp.
    "missing_ts": (price(ts=...), [Q.MISSING_TS]),
    "ts_garbage": (price(ts="yesterday"), [Q.BAD_TS]),
    "ts_impossible_time": (price(ts="2024-01-02T25:61:00Z"), [Q.BAD_TS]),
    "ts_impossible_date": (price(ts="2024-02-30T10:00:00Z"), [Q.BAD_TS]),
    "ts_without_offset": (price(ts="2024-01-02T14:30:00"), [Q.BAD_TS]),
    "ts_other_offset": (price(ts="2024-01-02T14:30:00+02:00"), [Q.BAD_TS]),
    "ts_space_separator": (price(ts="2024-01-02 14:30:00Z"), [Q.BAD_TS]),
    "ts_epoch_number": (price(ts=1704205800), [Q.BAD_TS]),
    "ts_day_before": (price(ts="2024-01-01T23:59:59.999Z"), [Q.TS_OUTSIDE_PARTITION]),
    "ts_day_after": (price(ts="2024-01-03T00:00:00Z"), [Q.TS_OUTSIDE_PARTITION]),
    # Price.
    "missing_price": (price(price=...), [Q.MISSING_PRICE]),
    "price_zero": (price(price=0), [Q.BAD_PRICE]),
    "price_negative": (price(price=-1.5), [Q.BAD_PRICE]),
    "price_nan": (price().replace("187.25", "NaN"), [Q.BAD_PRICE]),
    "price_nan_string": (price(price="NaN"), [Q.BAD_PRICE]),
    "price_infinity": (price().replace("187.25", "Infinity"), [Q.BAD_PRICE]),
    "price_overflow": (price().replace("187.25", "1e999"), [Q.BAD_PRICE]),
    "price_overflow_string": (price(price="1e999"), [Q.BAD_PRICE]),
    "price_word": (price(price="n/a"), [Q.BAD_PRICE]),
    "price_bool": (price(price=True), [Q.BAD_PRICE]),
    "price_array": (price(price=[1]), [Q.BAD_PRICE]),
    # Volume.
    "missing_volume": (price(volume=...), [Q.MISSING_VOLUME]),
    "volume_negative": (price(volume=-5), [Q.BAD_VOLUME]),
    "volume_fractional": (price(volume=1.5), [Q.BAD_VOLUME]),
    "volume_fractional_zero": (price(volume=100.0), [Q.BAD_VOLUME]),
    "volume_exponent": (price().replace('"volume": 100', '"volume": 1e2'), [Q.BAD_VOLUME]),
    "volume_word": (price(volume="lots"), [Q.BAD_VOLUME]),
    "volume_overflow": (price(volume=10**19), [Q.BAD_VOLUME]),
    # Source.
    "missing_source": (price(source=...), [Q.MISSING_SOURCE]),
    "blank_source": (price(source="  "), [Q.MISSING_SOURCE]),
    # Several at once, in rule order.
    "everything_wrong": (
        price(symbol="x", ts="2024-01-03T00:00:00Z", price=-1, volume=-1, source=...),
        [Q.BAD_SYMBOL, Q.TS_OUTSIDE_PARTITION, Q.BAD_PRICE, Q.BAD_VOLUME, Q.MISSING_SOURCE],
    ),
    "empty_object": (
        "{}",
        [Q.MISSING_SYMBOL, Q.MISSING_TS, Q.MISSING_PRICE, Q.MISSING_VOLUME, Q.MISSING_SOURCE],
    ),
}

NEWS_CASES = {
    "valid": (news(), []),
    "valid_numeric_id": (news(id=12345), []),
    "valid_no_headline_or_source": (news(headline=..., source=...), []),
    "valid_extreme_sentiment": (news(sentiment=-1), []),
    "not_json": ("{nope", [Q.INVALID_JSON]),
    "missing_id": (news(id=...), [Q.MISSING_ID]),
    "blank_id": (news(id=""), [Q.MISSING_ID]),
    "missing_ts": (news(ts=...), [Q.MISSING_TS]),
    "bad_ts": (news(ts="2024-01-02"), [Q.BAD_TS]),
    "ts_outside": (news(ts="2023-12-31T09:00:00Z"), [Q.TS_OUTSIDE_PARTITION]),
    "missing_symbols": (news(symbols=...), [Q.MISSING_SYMBOLS]),
    "symbols_not_array": (news(symbols="AAPL"), [Q.BAD_SYMBOLS]),
    "symbols_empty": (news(symbols=[]), [Q.BAD_SYMBOLS]),
    "symbols_one_bad": (news(symbols=["AAPL", "msft"]), [Q.BAD_SYMBOLS]),
    "symbols_null_element": (news(symbols=["AAPL", None]), [Q.BAD_SYMBOLS]),
    "missing_sentiment": (news(sentiment=...), [Q.MISSING_SENTIMENT]),
    "sentiment_above_one": (news(sentiment=1.01), [Q.BAD_SENTIMENT]),
    "sentiment_below_minus_one": (news(sentiment=-3), [Q.BAD_SENTIMENT]),
    "sentiment_word": (news(sentiment="positive"), [Q.BAD_SENTIMENT]),
    "sentiment_nan": (news().replace("0.25", "NaN"), [Q.BAD_SENTIMENT]),
}


def _errors_by_case(spark, cases, fields, errors_of):
    rows = [(name, line) for name, (line, _) in cases.items()]
    df = spark.createDataFrame(rows, "case string, raw string").withColumn("trade_date", F.lit(DAY))
    parsed = df.select("case", "trade_date", Q.parse_json(F.col("raw"), fields).alias("p"))
    result = parsed.select("case", errors_of(F.col("p"), F.col("trade_date")).alias("errors"))
    return {row["case"]: row["errors"] for row in result.collect()}


@pytest.fixture(scope="module")
def price_results(spark):
    return _errors_by_case(
        spark,
        PRICE_CASES,
        BRONZE_PRICE_FIELDS,
        lambda p, day: Q.price_errors(
            p["json_ok"], p["symbol"], p["ts"], p["price"], p["volume"], p["source"], day
        ),
    )


@pytest.fixture(scope="module")
def news_results(spark):
    return _errors_by_case(
        spark,
        NEWS_CASES,
        BRONZE_NEWS_FIELDS,
        lambda p, day: Q.news_errors(
            p["json_ok"], p["id"], p["ts"], p["symbols"], p["sentiment"], day
        ),
    )


@pytest.mark.parametrize("case", sorted(PRICE_CASES))
def test_price_rule(price_results, case):
    assert price_results[case] == PRICE_CASES[case][1], PRICE_CASES[case][0]


@pytest.mark.parametrize("case", sorted(NEWS_CASES))
def test_news_rule(news_results, case):
    assert news_results[case] == NEWS_CASES[case][1], NEWS_CASES[case][0]


def test_every_reason_code_is_exercised():
    used = {code for _, codes in PRICE_CASES.values() for code in codes}
    assert used == set(Q.PRICE_REASONS) - {Q.CONFLICTING_DUPLICATE}  # test_silver covers it
    used = {code for _, codes in NEWS_CASES.values() for code in codes}
    assert used == set(Q.NEWS_REASONS) - {Q.CONFLICTING_DUPLICATE}


def test_typed_values_follow_the_rules(spark):
    row = (
        spark.createDataFrame(
            [("2024-01-02T14:30:00.1234567Z", "1.5e1", "007", "12")],
            "t string, n string, z string, c string",
        )
        .select(
            Q.typed_ts(F.col("t")).alias("ts"),
            Q.typed_number(F.col("n")).alias("n"),
            Q.typed_count(F.col("z")).alias("leading_zero"),
            Q.typed_count(F.col("c")).alias("count"),
        )
        .first()
    )
    assert row["ts"] == dt.datetime(2024, 1, 2, 14, 30, 0, 123456)  # truncated to micros
    assert (row["n"], row["leading_zero"], row["count"]) == (15.0, None, 12)


def test_typed_ts_reads_both_utc_offsets_and_refuses_impossible_dates(spark):
    texts = [
        "2024-01-02T14:30:00.5Z",
        "2024-01-02T14:30:00.5+00:00",
        "2024-02-30T10:00:00Z",  # matches the pattern, is no date
        "2024-01-02T24:00:00+00:00",
        "2024-01-02T14:30:00.5+01:00",  # not UTC
    ]
    epoch_micros = [
        row["us"]
        for row in spark.createDataFrame([(t,) for t in texts], "t string")
        .select(F.unix_micros(Q.typed_ts(F.col("t"))).alias("us"))
        .collect()
    ]
    expected = int(dt.datetime(2024, 1, 2, 14, 30, tzinfo=dt.timezone.utc).timestamp()) * 10**6
    assert epoch_micros == [expected + 500_000, expected + 500_000, None, None, None]
