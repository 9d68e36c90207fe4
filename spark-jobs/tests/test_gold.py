"""Gold aggregations: daily OHLCV from ticks, daily sentiment, pairwise return correlations."""

import datetime as dt
import math
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from pyspark.sql import functions as F

from marketpulse_jobs import schemas
from marketpulse_jobs.transforms import gold as G

D0 = dt.date(2024, 3, 4)


def day(i):
    return D0 + dt.timedelta(days=i)


def at(i, hour, minute=0, second=0):
    midnight = dt.datetime.combine(day(i), dt.time(), tzinfo=dt.timezone.utc)
    return midnight + dt.timedelta(hours=hour, minutes=minute, seconds=second)


def pearson(xs, ys):
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy)


def ticks_frame(spark, rows):
    """rows: (symbol, ts, price, volume, source); trade_date is the ts date."""
    data = [(s, ts, p, v, src, ts.date()) for s, ts, p, v, src in rows]
    return spark.createDataFrame(data, schemas.SILVER_PRICES)


def by_key(df, *key):
    return {tuple(r[k] for k in key): r for r in df.collect()}


# --- daily OHLCV ---------------------------------------------------------------------------


def test_daily_ohlcv_open_and_close_by_ts_not_by_arrival(spark):
    rows = [
        ("AAA", at(0, 15), 12.0, 100, "x"),  # arrives first, is the last trade
        ("AAA", at(0, 9), 10.0, 200, "x"),  # the first trade
        ("AAA", at(0, 11), 14.0, 50, "x"),  # the high
        ("AAA", at(0, 12), 9.0, 50, "x"),  # the low
    ]
    out = G.daily_ohlcv(ticks_frame(spark, rows).repartition(3)).collect()
    assert len(out) == 1
    r = out[0]
    assert (r["open"], r["high"], r["low"], r["close"], r["volume"]) == (10.0, 14.0, 9.0, 12.0, 400)
    assert r["vwap"] == pytest.approx((12 * 100 + 10 * 200 + 14 * 50 + 9 * 50) / 400, rel=1e-15)
    assert list(G.daily_ohlcv(ticks_frame(spark, rows)).columns) == list(schemas.GOLD_OHLCV_COLUMNS)


def test_daily_ohlcv_breaks_ts_ties_deterministically(spark):
    # Two ticks at the first and at the last instant: ties go by source, then price, then volume.
    rows = [
        ("AAA", at(0, 9), 10.5, 10, "zeta"),
        ("AAA", at(0, 9), 10.0, 10, "alpha"),
        ("AAA", at(0, 16), 11.0, 10, "beta"),
        ("AAA", at(0, 16), 11.5, 10, "beta"),
        ("AAA", at(0, 16), 11.5, 5, "beta"),
    ]
    # Three symbols with the same ticks, each in another arrival order.
    copies = []
    for seed, symbol in enumerate(("AAA", "BBB", "CCC")):
        shuffled = [(symbol, *tick[1:]) for tick in rows]
        random.Random(seed).shuffle(shuffled)
        copies += shuffled
    out = G.daily_ohlcv(ticks_frame(spark, copies).repartition(3)).collect()
    assert len(out) == 3
    for r in out:
        assert r["open"] == 10.0  # alpha < zeta
        assert r["close"] == 11.5  # among the beta ticks, the highest price is last


def test_daily_ohlcv_per_symbol_and_day_and_zero_volume(spark):
    rows = [
        ("AAA", at(0, 10), 5.0, 0, "x"),
        ("AAA", at(0, 11), 6.0, 0, "x"),
        ("AAA", at(1, 10), 7.0, 3, "x"),
        ("BBB", at(0, 10), 8.0, 1, "x"),
    ]
    out = by_key(G.daily_ohlcv(ticks_frame(spark, rows)), "symbol", "trade_date")
    assert set(out) == {("AAA", day(0)), ("AAA", day(1)), ("BBB", day(0))}
    # A day traded with volume 0 has prices but no volume-weighted price.
    assert out[("AAA", day(0))]["vwap"] is None
    assert out[("AAA", day(0))]["close"] == 6.0
    assert out[("AAA", day(1))]["vwap"] == 7.0


def test_vwap_is_exact_and_independent_of_partitioning(spark):
    rng = random.Random(11)
    rows = [
        ("AAA", at(0, rng.randrange(24), rng.randrange(60), rng.randrange(60)),
         round(rng.uniform(90, 110), 4), rng.randrange(1, 10_000), rng.choice("xyz"))
        for _ in range(400)
    ]  # fmt: skip
    ticks = ticks_frame(spark, rows)
    one = G.daily_ohlcv(ticks.repartition(1)).first()
    many = G.daily_ohlcv(ticks.repartition(7)).first()
    assert one == many  # bit for bit
    # Reference: every price * volume in millionths, rounded half up, summed exactly.
    micros = sum(
        Decimal(repr(p * v * 1e6)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        for _, _, p, v, _ in rows
    )
    volume = sum(v for *_, v, _ in rows)
    assert one["vwap"] == pytest.approx(float(micros) / 1e6 / volume, rel=1e-15)
    assert one["volume"] == volume


@pytest.mark.parametrize(
    "value",
    [0.0, 0.5, 1.5, 2.5, -0.5, -2.5, 0.49999999999999994, 2.4999999999999996, 7.000000000000001,
     123456789.5, 2.0**52 - 0.5, 2.0**52 + 1, 2.0**53 + 2, -(2.0**52) + 0.5, 1e-300, 5e11 + 0.25],
)  # fmt: skip
def test_round_half_up_is_spark_round(spark, value):
    df = spark.createDataFrame([(value,)], "x double")
    row = df.select(
        G.round_half_up(F.col("x")).alias("ours"), F.round("x").cast("long").alias("spark")
    ).first()
    assert (
        row["ours"]
        == row["spark"]
        == int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    )


def test_vwap_refuses_a_notional_beyond_its_exact_range(spark):
    rows = [("AAA", at(0, 10), 1.0e7, 1_000_000, "x")]  # 1e13 of notional in one day
    with pytest.raises(Exception, match="beyond exact 64-bit VWAP range for AAA"):
        G.daily_ohlcv(ticks_frame(spark, rows)).collect()


# --- sentiment ------------------------------------------------------------------------------


def news_frame(spark, rows):
    """rows: (day index, symbols, sentiment)."""
    data = [
        (f"n{k}", at(i, 12), syms, "headline", "wire", s, day(i))
        for k, (i, syms, s) in enumerate(rows)
    ]
    return spark.createDataFrame(data, schemas.SILVER_NEWS)


def returns_frame(spark, rows):
    """rows: (symbol, day index, return_1d)."""
    return spark.createDataFrame(
        [(s, day(i), r) for s, i, r in rows], "symbol string, trade_date date, return_1d double"
    )


def test_sentiment_counts_means_and_7_day_mean(spark):
    news = news_frame(
        spark,
        [
            (0, ["AAA"], 0.5),
            (0, ["AAA", "AAA"], -0.1),  # a repeated symbol counts once
            (0, ["AAA", "BBB"], 0.3),  # counts for both symbols
            (2, ["BBB"], -0.4),
            (7, ["AAA"], 0.9),  # day 0 has left the 7-day window (days 1..7)
        ],
    )
    returns = returns_frame(spark, [("AAA", 0, None), ("AAA", 1, 0.01), ("BBB", 1, 0.02)])
    out = by_key(G.sentiment_daily(news, returns), "symbol", "trade_date")
    assert list(G.sentiment_daily(news, returns).columns) == list(G.SENTIMENT_COLUMNS)
    assert set(out) == {
        ("AAA", day(0)),
        ("AAA", day(1)),  # a price-only day
        ("AAA", day(7)),
        ("BBB", day(0)),
        ("BBB", day(1)),
        ("BBB", day(2)),
    }
    a0, a1, a7 = out[("AAA", day(0))], out[("AAA", day(1))], out[("AAA", day(7))]
    assert a0["article_count"] == 3
    assert a0["sentiment_mean"] == pytest.approx((0.5 - 0.1 + 0.3) / 3, abs=1e-15)
    assert a1["article_count"] == 0 and a1["sentiment_mean"] is None
    # The 7-day mean is over the articles of the 7 days ending on the day, not over daily means.
    assert a1["sentiment_mean_7d"] == pytest.approx((0.5 - 0.1 + 0.3) / 3, abs=1e-15)
    assert a7["sentiment_mean_7d"] == pytest.approx(0.9, abs=1e-15)
    b2 = out[("BBB", day(2))]
    assert b2["article_count"] == 1 and b2["sentiment_mean"] == pytest.approx(-0.4)
    assert b2["sentiment_mean_7d"] == pytest.approx((0.3 - 0.4) / 2, abs=1e-15)
    # Too few days with both a sentiment and a return for a correlation.
    assert all(r["sentiment_return_corr_30d"] is None for r in out.values())
    assert out[("AAA", day(1))]["sentiment_return_pairs_30d"] == 0


def test_sentiment_return_correlation_over_30_calendar_days(spark):
    rng = random.Random(5)
    n_days = 45
    sentiment = [round(rng.uniform(-1, 1), 3) for _ in range(n_days)]
    returns = [0.01 * s + rng.gauss(0, 0.01) for s in sentiment]
    # Day 3 has no article, day 4 has no price: neither counts as a pair.
    news = news_frame(spark, [(i, ["AAA"], s) for i, s in enumerate(sentiment) if i != 3])
    rets = returns_frame(spark, [("AAA", i, r) for i, r in enumerate(returns) if i != 4])
    out = by_key(G.sentiment_daily(news, rets), "trade_date")
    for i in range(n_days):
        window = [
            (sentiment[j], returns[j]) for j in range(max(0, i - 29), i + 1) if j not in (3, 4)
        ]
        row = out[(day(i),)]
        assert row["sentiment_return_pairs_30d"] == len(window)
        if len(window) < G.SENTIMENT_CORR_MIN_PAIRS:
            assert row["sentiment_return_corr_30d"] is None
        else:
            xs, ys = zip(*window)
            assert row["sentiment_return_corr_30d"] == pytest.approx(pearson(xs, ys), abs=1e-12)
    assert out[(day(44),)]["sentiment_return_pairs_30d"] == 30


# --- correlations --------------------------------------------------------------------------


def test_correlations_pairs_windows_and_values(spark):
    rng = random.Random(9)
    n_days = 16
    base = [rng.gauss(0, 0.01) for _ in range(n_days)]
    noise = [rng.gauss(0, 0.01) for _ in range(n_days)]
    series = {
        "AAA": base,
        "BBB": [2 * r for r in base],  # perfectly correlated with AAA
        "CCC": [-r for r in base],  # perfectly anti-correlated
        "DDD": noise,
    }
    rows = [(s, i, rets[i] if i > 0 else None) for s, rets in series.items() for i in range(n_days)]
    rows = [r for r in rows if not (r[0] == "DDD" and r[1] == 6)]  # DDD did not trade on day 6
    out = G.correlations(returns_frame(spark, rows), windows=(3, 5)).collect()
    assert out and list(out[0].asDict()) == list(G.CORRELATION_COLUMNS)

    got = {(r["trade_date"], r["symbol_a"], r["symbol_b"], r["window"]): r for r in out}
    assert len(got) == len(out)  # one row per date, pair and window
    for i in range(n_days):
        traded = sorted(s for s in series if not (s == "DDD" and i == 6))
        pairs = {(a, b) for a in traded for b in traded if a < b}
        assert {(k[1], k[2]) for k in got if k[0] == day(i) and k[3] == 3} == pairs
    for r in out:
        assert r["symbol_a"] < r["symbol_b"]
        assert r["corr"] is None or -1.0 <= r["corr"] <= 1.0

    def check(a, b, i, w):
        row = got[(day(i), a, b, w)]
        days = [j for j in range(max(0, i - w + 1), i + 1) if j > 0]  # trading days = all days
        days = [j for j in days if not ({a, b} & {"DDD"} and j == 6)]
        assert row["n"] == len(days)
        if len(days) < w:
            assert row["corr"] is None
        else:
            xs, ys = [series[a][j] for j in days], [series[b][j] for j in days]
            assert row["corr"] == pytest.approx(pearson(xs, ys), abs=1e-12)

    for i in range(n_days):
        for a, b in [("AAA", "DDD"), ("BBB", "DDD"), ("CCC", "DDD")]:
            if i != 6:
                check(a, b, i, 3), check(a, b, i, 5)
    assert got[(day(2), "AAA", "BBB", 3)]["corr"] is None  # only two returns so far
    assert got[(day(3), "AAA", "BBB", 3)]["corr"] == pytest.approx(1.0, abs=1e-12)
    assert got[(day(3), "AAA", "CCC", 3)]["corr"] == pytest.approx(-1.0, abs=1e-12)
    assert got[(day(15), "AAA", "BBB", 5)]["corr"] == pytest.approx(1.0, abs=1e-12)
    # DDD missed day 6, so its windows that include day 6 are not full.
    assert (
        got[(day(8), "AAA", "DDD", 3)]["n"] == 2 and got[(day(8), "AAA", "DDD", 3)]["corr"] is None
    )


def test_correlation_of_a_constant_series_is_null(spark):
    rows = [("AAA", i, 0.01 if i else None) for i in range(6)]
    rows += [("BBB", i, (0.01 * i if i % 2 else -0.02) if i else None) for i in range(6)]
    out = G.correlations(returns_frame(spark, rows), windows=(3,)).collect()
    assert out and all(r["corr"] is None for r in out)
    assert max(r["n"] for r in out) == 3
