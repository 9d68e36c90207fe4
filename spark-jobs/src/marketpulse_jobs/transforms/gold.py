"""Silver -> Gold aggregations: pure ``DataFrame -> DataFrame`` functions, no I/O.

- :func:`daily_ohlcv`: one OHLCV + VWAP row per symbol and trading day, from Silver ticks.
- :func:`sentiment_daily`: per symbol and day, article count, mean sentiment, its 7-day rolling
  mean and its trailing correlation with ``return_1d``.
- :func:`correlations`: pairwise Pearson correlation of daily returns over trailing windows of
  trading days, in long format.

No value depends on how Spark partitions the input: ties are broken on every tick field, and
sums that a shuffle could reorder are done exactly (64-bit integers, DECIMAL), so their order
does not matter. Window aggregates are re-evaluated from their frame's rows in date order. A
day's value is therefore the same in a one-day run and in a backfill.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from marketpulse_jobs import schemas

# VWAP sums price * volume in millionths as a 64-bit integer: exact, so independent of the
# order Spark adds in, and fast. That holds up to 9.2e12 of notional per symbol and day (the
# largest listed stocks trade about 1e11 a day); the job fails beyond _MAX_NOTIONAL rather than
# overflow.
_MICROS = 1_000_000.0
_MAX_NOTIONAL = 9.0e12
# Sentiment is in [-1, 1]: 18 decimal places are finer than a double's spacing near 1.
_SENTIMENT = "decimal(38,18)"

SENTIMENT_MEAN_DAYS = 7
SENTIMENT_CORR_DAYS = 30
SENTIMENT_CORR_MIN_PAIRS = 10
CORRELATION_WINDOWS = (30, 90)

SENTIMENT_COLUMNS = tuple(schemas.GOLD_SENTIMENT_DAILY.names)
CORRELATION_COLUMNS = tuple(schemas.GOLD_CORRELATIONS.names)


def round_half_up(x: Column) -> Column:
    """``x`` (a double) rounded to a whole number, halves away from zero, as a long: the value
    of ``F.round(x)``, without the BigDecimal Spark builds for every row (it cost 0.8 s per
    11 M ticks on bench:etl). Exact: a double's fractional part is itself a double."""
    size = F.abs(x)
    whole = F.floor(size)
    return F.signum(x).cast("long") * F.when(size - whole >= 0.5, whole + 1).otherwise(whole)


def daily_ohlcv(ticks: DataFrame) -> DataFrame:
    """Silver ticks -> one row per (symbol, trade_date): open, high, low, close, volume, vwap.

    ``open`` is the price of the first tick by ``ts`` and ``close`` of the last; ticks sharing
    a ``ts`` are ordered by source, then price, then volume, so the choice is deterministic.
    ``vwap`` = sum(price * volume) / sum(volume), null when the day's volume is 0; each
    price * volume is rounded to a millionth and summed exactly, as a 64-bit integer.
    """
    key = ["symbol", "trade_date"]
    notional = F.col("price") * F.col("volume")
    # Every aggregate here has a fixed-width buffer, so Spark hash-aggregates instead of
    # sorting every tick.
    daily = ticks.groupBy(*key).agg(
        F.min("ts").alias("_first"),
        F.max("ts").alias("_last"),
        F.max("price").alias("high"),
        F.min("price").alias("low"),
        F.sum("volume").cast("long").alias("volume"),
        F.sum(round_half_up(notional * _MICROS)).alias("_micros"),
        F.sum(notional).alias("_approx"),
    )
    # Open and close compare whole ticks, which needs a sort: only the ticks at a day's first
    # and last instant take part.
    order = F.struct("ts", "source", "price", "volume")
    ends = (
        ticks.join(F.broadcast(daily.select(*key, "_first", "_last")), key)
        .where((F.col("ts") == F.col("_first")) | (F.col("ts") == F.col("_last")))
        .groupBy(*key)
        .agg(F.min(order)["price"].alias("open"), F.max(order)["price"].alias("close"))
    )
    too_big = F.raise_error(
        F.concat(
            F.lit("sum(price * volume) beyond exact 64-bit VWAP range for "),
            F.col("symbol"),
            F.lit(" on "),
            F.col("trade_date").cast("string"),
        )
    )
    vwap = (
        F.when(F.col("_approx") >= _MAX_NOTIONAL, too_big)
        .when(F.col("volume") > 0, F.col("_micros") / _MICROS / F.col("volume"))
        .cast("double")
    )
    return daily.join(ends, key).select(*schemas.GOLD_OHLCV_COLUMNS[:-1], vwap.alias("vwap"))


def _day_number(column: str = "trade_date") -> Column:
    # Days since the epoch: an integer ordering key for calendar-day range frames.
    return F.datediff(F.col(column), F.lit("1970-01-01").cast("date"))


def _finite(corr: Column) -> Column:
    """Spark's corr is NaN when a side has zero variance: that is undefined, so null. Rounding
    can push a perfect correlation a hair past +/-1: clamp to the mathematical range."""
    # greatest/least skip nulls, so a null corr must not reach them.
    defined = corr.isNotNull() & ~F.isnan(corr)
    return F.when(defined, F.greatest(F.lit(-1.0), F.least(F.lit(1.0), corr)))


def sentiment_daily(news: DataFrame, returns: DataFrame) -> DataFrame:
    """Per symbol and day: article count, mean sentiment, 7-day mean, sentiment/return corr.

    ``news`` is Silver news (``symbols`` array, ``sentiment``, ``trade_date``); an article
    counts once for each distinct symbol it names. ``returns`` has (symbol, trade_date,
    return_1d). There is a row for every (symbol, day) with an article or a price row:

    - ``article_count``: the day's articles (0 on a price-only day);
    - ``sentiment_mean``: their mean sentiment (null without articles);
    - ``sentiment_mean_7d``: mean sentiment of all the symbol's articles in the 7 calendar
      days ending on the day (article-weighted; null when there are none);
    - ``sentiment_return_corr_30d``: Pearson correlation of ``sentiment_mean`` with
      ``return_1d`` over the days in the 30 calendar days ending on the day that have both,
      null with fewer than 10 such days or when either side is constant;
    - ``sentiment_return_pairs_30d``: the number of those days.

    The windows need the 29 calendar days before the first day wanted in both inputs.
    """
    articles = news.select(
        F.explode(F.array_distinct("symbols")).alias("symbol"),
        "trade_date",
        F.col("sentiment").cast(_SENTIMENT).alias("sentiment"),
    )
    per_day = articles.groupBy("symbol", "trade_date").agg(
        F.count(F.lit(1)).alias("article_count"),
        F.sum("sentiment").alias("_sentiment_sum"),
    )
    days = per_day.join(
        returns.select("symbol", "trade_date", "return_1d"), ["symbol", "trade_date"], "full"
    ).select(
        "symbol",
        "trade_date",
        F.coalesce("article_count", F.lit(0)).cast("long").alias("article_count"),
        "_sentiment_sum",
        "return_1d",
        _day_number().alias("_day"),
    )
    mean = F.when(
        F.col("article_count") > 0,
        F.col("_sentiment_sum").cast("double") / F.col("article_count").cast("double"),
    )
    days = days.withColumn("sentiment_mean", mean)

    by_day = Window.partitionBy("symbol").orderBy("_day")
    week = by_day.rangeBetween(-(SENTIMENT_MEAN_DAYS - 1), Window.currentRow)
    month = by_day.rangeBetween(-(SENTIMENT_CORR_DAYS - 1), Window.currentRow)
    both = F.col("sentiment_mean").isNotNull() & F.col("return_1d").isNotNull()
    stats = days.select(
        "*",
        F.sum("_sentiment_sum").over(week).alias("_week_sum"),
        F.sum("article_count").over(week).alias("_week_count"),
        F.corr("sentiment_mean", "return_1d").over(month).alias("_corr"),
        F.count(F.when(both, 1)).over(month).alias("_pairs"),
    )
    week_mean = F.when(
        F.col("_week_count") > 0,
        F.col("_week_sum").cast("double") / F.col("_week_count").cast("double"),
    )
    corr = F.when(F.col("_pairs") >= SENTIMENT_CORR_MIN_PAIRS, _finite(F.col("_corr")))
    return stats.select(
        "symbol",
        "trade_date",
        "article_count",
        "sentiment_mean",
        week_mean.alias("sentiment_mean_7d"),
        corr.alias("sentiment_return_corr_30d"),
        F.col("_pairs").cast("int").alias("sentiment_return_pairs_30d"),
    )


def trading_calendar(returns: DataFrame) -> DataFrame:
    """(trade_date, day_index): the dates on which any symbol traded, numbered 1, 2, ..."""
    dates = returns.select("trade_date").distinct()
    # A global window over the distinct dates only: a few thousand rows at most.
    return dates.select(
        "trade_date", F.row_number().over(Window.orderBy("trade_date")).alias("day_index")
    )


def correlations(
    returns: DataFrame,
    windows: Sequence[int] = CORRELATION_WINDOWS,
    calendar: Optional[DataFrame] = None,
) -> DataFrame:
    """Pairwise Pearson correlation of ``return_1d`` over trailing windows of trading days.

    ``returns`` has (symbol, trade_date, return_1d). Trading days are the dates on which any
    symbol has a row. For each date, each pair of symbols that both have a row that date
    (``symbol_a`` < ``symbol_b``) and each window w there is one row: ``n`` is the number of
    the last w trading days on which both have a return, and ``corr`` their correlation over
    those days, null until ``n`` = w (a full window) or when either side is constant.

    The first date's windows need its w-1 earlier trading days in ``returns``. ``calendar``
    is :func:`trading_calendar` of ``returns``, for a caller that already has it.
    """
    if calendar is None:
        calendar = trading_calendar(returns)
    r = returns.select("symbol", "trade_date", "return_1d").join(calendar, "trade_date")
    a, b = r.alias("a"), r.alias("b")
    same_day = F.col("a.trade_date") == F.col("b.trade_date")
    pairs = a.join(b, same_day & (F.col("a.symbol") < F.col("b.symbol"))).select(
        F.col("a.trade_date").alias("trade_date"),
        F.col("a.day_index").alias("day_index"),
        F.col("a.symbol").alias("symbol_a"),
        F.col("b.symbol").alias("symbol_b"),
        F.col("a.return_1d").alias("ra"),
        F.col("b.return_1d").alias("rb"),
    )
    by_pair = Window.partitionBy("symbol_a", "symbol_b").orderBy("day_index")
    both = F.col("ra").isNotNull() & F.col("rb").isNotNull()
    frames = {w: by_pair.rangeBetween(-(w - 1), Window.currentRow) for w in windows}
    stats = pairs.select(
        "trade_date",
        "symbol_a",
        "symbol_b",
        *[F.corr("ra", "rb").over(frames[w]).alias(f"_corr_{w}") for w in windows],
        *[F.count(F.when(both, 1)).over(frames[w]).alias(f"_n_{w}") for w in windows],
    )
    long = [
        stats.select(
            "trade_date",
            "symbol_a",
            "symbol_b",
            F.lit(w).alias("window"),
            F.when(F.col(f"_n_{w}") >= w, _finite(F.col(f"_corr_{w}"))).alias("corr"),
            F.col(f"_n_{w}").cast("int").alias("n"),
        )
        for w in windows
    ]
    out = long[0]
    for frame in long[1:]:
        out = out.unionByName(frame)
    return out
