"""Generate synthetic Bronze market data: tick prices and news, optionally with defects.

    python -m marketpulse_jobs.generate --start D --end D --symbols N --seed S --bronze URI \\
        [--ticks-per-hour K] [--defect-rate R]

Trading days are the weekdays of the range. For each symbol and trading day it writes
``24 * K`` ticks to ``<bronze>/prices/date=D/hour=HH/`` and a few articles to
``<bronze>/news/date=D/hour=HH/`` (UTC), as JSON lines.

How the data is made:

- Prices follow a geometric Brownian motion per symbol, with drift, volatility, start price and
  typical volume drawn from the seed. The day's closing log price comes from a daily GBM step
  computed on the driver, from a fixed epoch, so any sub-range of dates yields the same records.
  Within the day the path is a Brownian bridge from the previous close to this close, built
  with the Levy-Ciesielski construction: each tick's value is a sum over dyadic levels of
  seeded normals, so every row is computed independently, with Spark built-ins, no shuffle.
- Volume follows a U-shaped intraday profile: heavy in the opening and closing hours of the
  regular session (14:00-21:00 UTC), thin before and after, thinner overnight.
- News sentiment is tanh of the day's standardised return plus noise, so it correlates with
  the return without giving it away.
- All randomness is seeded: one random stream per symbol on the driver for the daily steps,
  and hashes of (seed, what, symbol, day, ...) in Spark for everything per tick or article. The
  output is byte-identical for a given seed and arguments, whatever the parallelism.
- With ``--defect-rate R`` each record is, with probability R, replaced by one of the defects
  in PRICE_DEFECTS / NEWS_DEFECTS: one of each kind the Bronze -> Silver rules catch.
"""

import argparse
import datetime as dt
import math
import random
import time

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from marketpulse_jobs import runtime

JOB = "generate"
# A Monday. Every daily price path starts here, so the records of a day never depend on the
# requested range.
EPOCH = dt.date(2000, 1, 3)
LAST_DATE = dt.date(2099, 12, 31)
TRADING_DAYS_PER_YEAR = 252
MS_PER_HOUR = 3_600_000
MS_PER_DAY = 24 * MS_PER_HOUR
MAX_ARTICLES = 4  # per symbol and day

TICKERS = (
    "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "BRK.B", "JPM", "XOM", "UNH",
    "V", "JNJ", "PG", "MA", "HD", "CVX", "LLY", "ABBV", "KO", "PEP",
    "BAC", "COST", "WMT", "MRK", "AVGO", "TSLA", "ORCL", "CSCO", "NFLX", "ADBE",
)  # fmt: skip
TICK_SOURCES = ("nasdaq", "arca", "iex")
NEWS_SOURCES = ("newswire", "marketdesk", "blogwatch")

# Relative volume per UTC hour. The regular session, 14:00-21:00 UTC, is U-shaped.
HOUR_WEIGHTS = (
    0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02,  # 00-08 overnight
    0.10, 0.15, 0.20, 0.30, 0.50,  # 09-13 pre-market
    2.60, 1.50, 1.00, 0.80, 0.90, 1.20, 2.80,  # 14-20 regular session
    0.40, 0.15, 0.05,  # 21-23 after hours
)  # fmt: skip

# (threshold, phrases): the first bucket whose threshold the sentiment reaches.
HEADLINES = (
    (0.5, ("rallies as guidance beats expectations", "surges on record demand")),
    (0.15, ("edges higher after upbeat analyst note", "gains on new product launch")),
    (-0.15, ("trades flat ahead of earnings", "holds steady as sector rotates")),
    (-0.5, ("slips after cautious outlook", "dips on supply chain worries")),
    (-2.0, ("tumbles after downgrade", "plunges as regulator opens probe")),
)

PRICE_DEFECTS = (
    "invalid_json",
    "missing_symbol",
    "bad_symbol",
    "missing_ts",
    "bad_ts",
    "ts_outside_partition",
    "missing_price",
    "price_not_positive",
    "price_nan",
    "price_infinity",
    "price_string",
    "missing_volume",
    "volume_negative",
    "volume_fractional",
    "missing_source",
    "duplicate_line",
    "conflicting_duplicate",
    "blank_line",
)
NEWS_DEFECTS = (
    "invalid_json",
    "missing_id",
    "missing_ts",
    "bad_ts",
    "ts_outside_partition",
    "missing_symbols",
    "bad_symbols",
    "missing_sentiment",
    "bad_sentiment",
    "duplicate_line",
    "conflicting_duplicate",
    "blank_line",
)
# Defects that add a second non-blank line after the record (blank_line adds a blank one).
EXTRA_LINE_DEFECTS = ("duplicate_line", "conflicting_duplicate")


# --- Seeded randomness as column expressions -----------------------------------------------


def _hash(seed: int, what: str, *cols: Column) -> Column:
    return F.xxhash64(F.lit(seed), F.lit(what), *cols)


def _uniform(seed: int, what: str, *cols: Column) -> Column:
    """A uniform double in (0, 1) from 53 bits of a hash."""
    bits = F.shiftrightunsigned(_hash(seed, what, *cols), 11)
    return (bits.cast("double") + 0.5) / float(1 << 53)


def _normal(seed: int, what: str, *cols: Column) -> Column:
    """A standard normal (Box-Muller on the two 32-bit halves of one hash)."""
    h = _hash(seed, what, *cols)
    u1 = (F.shiftrightunsigned(h, 32).cast("double") + 0.5) / 4294967296.0
    u2 = (h.bitwiseAND(F.lit(0xFFFFFFFF)).cast("double") + 0.5) / 4294967296.0
    return F.sqrt(-2.0 * F.log(u1)) * F.cos(2.0 * math.pi * u2)


def _pick(options: "tuple[str, ...]", h: Column) -> Column:
    return F.element_at(
        F.array(*[F.lit(o) for o in options]), (F.pmod(h, len(options)) + 1).cast("int")
    )


def _brownian_bridge(seed: int, t: Column, levels: int, *key: Column) -> Column:
    """A standard Brownian bridge on [0, 1] at time t (Levy-Ciesielski, ``levels`` levels).

    Level l splits [0, 1] into 2^l cells, each with its own seeded normal and a tent of height
    2^(-l/2 - 1) over the cell: exact at multiples of 2^-levels, linear in between.
    """
    total = F.lit(0.0)
    for level in range(levels):
        cells = float(1 << level)
        cell = F.least(F.floor(t * cells), F.lit((1 << level) - 1))
        frac = t * cells - cell
        tent = 1.0 - F.abs(2.0 * frac - 1.0)
        height = 2.0 ** (-level / 2.0 - 1.0)
        total = total + _normal(seed, "bridge", *key, F.lit(level), cell) * (height * tent)
    return total


# --- The daily table, on the driver ---------------------------------------------------------


def trading_days(start: dt.date, end: dt.date) -> "list[dt.date]":
    """The weekdays from start to end, inclusive."""
    return [d for d in runtime.date_range(start, end) if d.weekday() < 5]


def symbols_for(n: int) -> "list[str]":
    """The first n tickers; beyond the list, synthetic ones (X0031, ...)."""
    return [TICKERS[i] if i < len(TICKERS) else f"X{i:04d}" for i in range(n)]


def daily_rows(seed: int, symbols: "list[str]", days: "list[dt.date]") -> "list[tuple]":
    """One row per (symbol, trading day): the GBM step of the day and its news count.

    Each symbol has its own random stream, walked from EPOCH, so a day's values depend only on
    (seed, symbol, day).
    """
    wanted = {d: i for i, d in enumerate(days)}
    rows = []
    for s, symbol in enumerate(symbols):
        rng = random.Random(f"marketpulse/{seed}/{symbol}")
        log_price = math.log(rng.uniform(15.0, 600.0))
        drift = rng.uniform(-0.02, 0.15)
        vol = rng.uniform(0.15, 0.55)
        base_volume = round(math.exp(rng.uniform(math.log(40), math.log(1500))))
        daily_vol = vol / math.sqrt(TRADING_DAYS_PER_YEAR)
        step = (drift - vol * vol / 2.0) / TRADING_DAYS_PER_YEAR
        day = EPOCH
        while day <= days[-1]:
            if day.weekday() < 5:
                z = rng.gauss(0.0, 1.0)
                articles = rng.randrange(MAX_ARTICLES + 1)
                log_close = log_price + step + daily_vol * z
                if day in wanted:
                    rows.append(
                        (s, wanted[day], symbol, day.isoformat(), (day - EPOCH).days,
                         log_price, log_close, daily_vol, z, articles, base_volume)
                    )  # fmt: skip
                log_price = log_close
            day += dt.timedelta(days=1)
    return rows


DAILY_SCHEMA = (
    "_sym int, _day int, symbol string, date string, _day_ord int, _log_open double, "
    "_log_close double, _daily_vol double, _z double, _articles int, _base_volume long"
)


# --- Lines -------------------------------------------------------------------------------------


def _json_line(fields: "dict[str, Column]") -> Column:
    """A JSON object line from "key":value fragments (a None fragment leaves the key out)."""
    return F.concat(
        F.lit("{"), F.concat_ws(",", *[v for v in fields.values() if v is not None]), F.lit("}")
    )


def _frag(key: str, value: Column, quoted: bool = True) -> Column:
    if quoted:
        return F.concat(F.lit(f'"{key}":"'), value, F.lit('"'))
    return F.concat(F.lit(f'"{key}":'), value)


def _ts_text(epoch_ms: Column) -> Column:
    return F.date_format(F.timestamp_millis(epoch_ms), "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")


def _with_defects(
    rows: DataFrame,
    seed: int,
    rate: float,
    defects: tuple,
    variants: "dict[str, Column]",
    extras: "dict[str, Column]",
    key: "list[Column]",
) -> DataFrame:
    """Turn a fraction ``rate`` of rows into defects: add ``_kind`` and ``value``."""
    if rate <= 0:
        return rows.withColumn("_kind", F.lit(None).cast("string")).withColumn(
            "value", F.col("_line")
        )
    defective = _uniform(seed, "defect", *key) < rate
    kind = F.when(defective, _pick(defects, _hash(seed, "defect-kind", *key)))
    rows = rows.withColumn("_kind", kind)
    line = F.col("_line")
    for name, variant in variants.items():
        line = F.when(F.col("_kind") == name, variant).otherwise(line)
    extra = F.lit(None).cast("string")
    for name, value in extras.items():
        extra = F.when(F.col("_kind") == name, value).otherwise(extra)
    # Two lines in one value: the text writer ends each value with a newline, so a value
    # "a\nb" is written as two lines (and "a\n" as a line followed by a blank one).
    return rows.withColumn(
        "value", F.when(extra.isNull(), line).otherwise(F.concat(line, F.lit("\n"), extra))
    )


def price_records(
    spark: SparkSession,
    daily: DataFrame,
    n_days: int,
    n_symbols: int,
    ticks_per_hour: int,
    seed: int,
    defect_rate: float,
) -> DataFrame:
    """One row per tick: ``date``, ``hour``, ordering keys, ``_kind`` (the defect, if any) and
    ``value`` (the tick's Bronze line, or two lines for the defects that add one)."""
    k = ticks_per_hour
    per_hour = n_symbols * k
    per_day = 24 * per_hour
    # Each Spark partition holds whole hours of one day, so each hour's file has one writer.
    groups = next(g for g in (1, 2, 3, 4, 6, 8, 12, 24) if per_day // g <= 1_000_000 or g == 24)
    ids = spark.range(0, n_days * per_day, numPartitions=n_days * groups)
    c = F.col
    ticks = ids.select(
        (c("id") / per_day).cast("int").alias("_day"),
        ((c("id") % per_day) / per_hour).cast("int").alias("_hour"),
        ((c("id") % per_hour) / k).cast("int").alias("_sym"),
        (c("id") % k).cast("int").alias("_tick"),
    ).join(F.broadcast(daily), ["_day", "_sym"])

    key = [c("_sym"), c("_day_ord"), c("_hour"), c("_tick")]
    # Each tick gets its own slot of the hour, so a symbol's ticks are strictly increasing.
    slot = (c("_tick") + _uniform(seed, "ts", *key)) * (MS_PER_HOUR / k)
    ticks = ticks.withColumn("_ms", (c("_hour") * MS_PER_HOUR + F.floor(slot)).cast("long"))
    ticks = ticks.withColumn("_t", c("_ms") / float(MS_PER_DAY))
    t = c("_t")
    levels = min(16, max(4, math.ceil(math.log2(24 * k)) + 1))
    bridge = _brownian_bridge(seed, t, levels, c("_sym"), c("_day_ord"))
    log_price = c("_log_open") + t * (c("_log_close") - c("_log_open")) + c("_daily_vol") * bridge
    price = F.floor(F.exp(log_price) * 10000.0 + 0.5) / 10000.0
    hour_weight = F.element_at(F.array(*[F.lit(w) for w in HOUR_WEIGHTS]), c("_hour") + 1)
    noise = F.exp(0.5 * _normal(seed, "volume", *key) - 0.125)
    volume = F.greatest(F.lit(1), F.floor(c("_base_volume") * hour_weight * noise + 0.5))
    epoch_ms = c("_day_ord").cast("long") * MS_PER_DAY + F.lit(_epoch_ms(EPOCH)) + c("_ms")

    ticks = ticks.select(
        "date",
        F.lpad(c("_hour").cast("string"), 2, "0").alias("hour"),
        "_ms",
        "_sym",
        "_day_ord",
        "_hour",
        "_tick",
        c("symbol"),
        _ts_text(epoch_ms).alias("_ts"),
        _ts_text(epoch_ms - MS_PER_DAY).alias("_ts_prev_day"),
        price.alias("_price"),
        volume.cast("long").cast("string").alias("_volume"),
        _pick(TICK_SOURCES, _hash(seed, "source", *key)).alias("_source"),
    )
    fields = {
        "symbol": _frag("symbol", c("symbol")),
        "ts": _frag("ts", c("_ts")),
        "price": _frag("price", c("_price").cast("string"), quoted=False),
        "volume": _frag("volume", c("_volume"), quoted=False),
        "source": _frag("source", c("_source")),
    }
    ticks = ticks.withColumn("_line", _json_line(fields))

    def changed(**replace):
        return _json_line(dict(fields, **replace))

    other_price = (F.floor(c("_price") * 10010.0) + 1.0) / 10000.0
    variants = {
        "invalid_json": c("_line").substr(F.lit(1), F.length("_line") - 7),
        "missing_symbol": changed(symbol=None),
        "bad_symbol": changed(symbol=_frag("symbol", F.lower(c("symbol")))),
        "missing_ts": changed(ts=None),
        "bad_ts": changed(ts=_frag("ts", F.concat(c("date"), F.lit("T25:61:00Z")))),
        "ts_outside_partition": changed(ts=_frag("ts", c("_ts_prev_day"))),
        "missing_price": changed(price=None),
        "price_not_positive": changed(
            price=_frag("price", F.concat(F.lit("-"), c("_price").cast("string")), quoted=False)
        ),
        "price_nan": changed(price=F.lit('"price":NaN')),
        "price_infinity": changed(price=F.lit('"price":Infinity')),
        "price_string": changed(price=F.lit('"price":"n/a"')),
        "missing_volume": changed(volume=None),
        "volume_negative": changed(
            volume=_frag("volume", F.concat(F.lit("-"), c("_volume")), quoted=False)
        ),
        "volume_fractional": changed(
            volume=_frag("volume", F.concat(c("_volume"), F.lit(".5")), quoted=False)
        ),
        "missing_source": changed(source=None),
    }
    extras = {
        "duplicate_line": c("_line"),
        "conflicting_duplicate": changed(
            price=_frag("price", other_price.cast("string"), quoted=False)
        ),
        "blank_line": F.lit(""),
    }
    ticks = _with_defects(ticks, seed, defect_rate, PRICE_DEFECTS, variants, extras, key)
    return ticks.select("date", "hour", "_ms", "_sym", "_tick", "_kind", "value")


def news_records(
    spark: SparkSession,
    daily: DataFrame,
    n_days: int,
    symbols: "list[str]",
    seed: int,
    defect_rate: float,
) -> DataFrame:
    """One row per article, shaped like :func:`price_records`."""
    n = len(symbols)
    per_day = n * MAX_ARTICLES
    c = F.col
    ids = spark.range(0, n_days * per_day, numPartitions=n_days)
    articles = (
        ids.select(
            (c("id") / per_day).cast("int").alias("_day"),
            ((c("id") % per_day) / MAX_ARTICLES).cast("int").alias("_sym"),
            (c("id") % MAX_ARTICLES).cast("int").alias("_tick"),
        )
        .join(F.broadcast(daily), ["_day", "_sym"])
        .where(c("_tick") < c("_articles"))
    )
    key = [c("_sym"), c("_day_ord"), c("_tick")]
    ms = F.floor(_uniform(seed, "news-ts", *key) * MS_PER_DAY).cast("long")
    epoch_ms = c("_day_ord").cast("long") * MS_PER_DAY + F.lit(_epoch_ms(EPOCH)) + ms
    sentiment = F.tanh(0.9 * c("_z") + 0.6 * _normal(seed, "sentiment", *key))
    bucket = F.lit(len(HEADLINES))
    for i, (threshold, _) in reversed(list(enumerate(HEADLINES))):
        bucket = F.when(sentiment >= threshold, F.lit(i + 1)).otherwise(bucket)
    phrases = F.array(*[F.array(*[F.lit(p) for p in ps]) for _, ps in HEADLINES])
    phrase = F.element_at(
        F.element_at(phrases, bucket), (F.pmod(_hash(seed, "hl", *key), 2) + 1).cast("int")
    )
    others = F.pmod(_hash(seed, "sym2", *key), max(1, n - 1))
    second = F.element_at(
        F.array(*[F.lit(s) for s in symbols]), (F.pmod(c("_sym") + 1 + others, n) + 1).cast("int")
    )
    mentions = F.when(
        F.lit(n > 1) & (_uniform(seed, "two", *key) < 0.2), F.array(c("symbol"), second)
    ).otherwise(F.array(c("symbol")))
    articles = articles.select(
        "date",
        F.lpad((ms / MS_PER_HOUR).cast("int").cast("string"), 2, "0").alias("hour"),
        ms.alias("_ms"),
        "_sym",
        "_tick",
        F.concat(F.lit("n-"), F.lower(F.hex(_hash(seed, "id", *key)))).alias("_id"),
        _ts_text(epoch_ms).alias("_ts"),
        _ts_text(epoch_ms - MS_PER_DAY).alias("_ts_prev_day"),
        F.concat(F.lit('["'), F.array_join(mentions, '","'), F.lit('"]')).alias("_symbols"),
        F.concat(c("symbol"), F.lit(" "), phrase).alias("_headline"),
        _pick(NEWS_SOURCES, _hash(seed, "news-source", *key)).alias("_source"),
        F.round(sentiment, 3).alias("_sentiment"),
        "_day_ord",
    )
    fields = {
        "id": _frag("id", c("_id")),
        "ts": _frag("ts", c("_ts")),
        "symbols": _frag("symbols", c("_symbols"), quoted=False),
        "headline": _frag("headline", c("_headline")),
        "source": _frag("source", c("_source")),
        "sentiment": _frag("sentiment", c("_sentiment").cast("string"), quoted=False),
    }
    articles = articles.withColumn("_line", _json_line(fields))

    def changed(**replace):
        return _json_line(dict(fields, **replace))

    def sentiment_frag(value: Column) -> Column:
        return _frag("sentiment", value.cast("string"), quoted=False)

    # Same id, another opinion: still in [-1, 1], and always different.
    other_sentiment = F.when(c("_sentiment") >= 0, c("_sentiment") - 0.5).otherwise(
        c("_sentiment") + 0.5
    )
    variants = {
        "invalid_json": c("_line").substr(F.lit(1), F.length("_line") - 7),
        "missing_id": changed(id=None),
        "missing_ts": changed(ts=None),
        "bad_ts": changed(ts=_frag("ts", F.concat(c("date"), F.lit("T25:61:00Z")))),
        "ts_outside_partition": changed(ts=_frag("ts", c("_ts_prev_day"))),
        "missing_symbols": changed(symbols=None),
        "bad_symbols": changed(symbols=_frag("symbols", F.lower(c("_symbols")), quoted=False)),
        "missing_sentiment": changed(sentiment=None),
        "bad_sentiment": changed(sentiment=sentiment_frag(c("_sentiment") + 2.0)),
    }
    extras = {
        "duplicate_line": c("_line"),
        "conflicting_duplicate": changed(sentiment=sentiment_frag(other_sentiment)),
        "blank_line": F.lit(""),
    }
    articles = _with_defects(articles, seed, defect_rate, NEWS_DEFECTS, variants, extras, key)
    return articles.select("date", "hour", "_ms", "_sym", "_tick", "_kind", "value")


def _epoch_ms(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days * MS_PER_DAY


# --- Writing -------------------------------------------------------------------------------------


def write_lines(spark: SparkSession, records: DataFrame, root: str) -> None:
    """Write records' lines as ``<root>/date=D/hour=HH/part-NNNNN.jsonl``.

    Rows are written in a total order (time, symbol, record, line), and files are renamed from
    Spark's random part names, so the same records give byte-identical files.
    """
    (
        records.sortWithinPartitions("date", "hour", "_ms", "_sym", "_tick")
        .select("value", "date", "hour")
        .write.mode("overwrite")
        .option("partitionOverwriteMode", "dynamic")
        .partitionBy("date", "hour")
        .text(root)
    )
    # Spark's text writer names files part-<task>-<uuid>.c000.txt; the Bronze contract says
    # *.jsonl, and a stable name keeps reruns byte-identical whatever the task numbers.
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    by_dir = {}
    for uri, _ in runtime.list_files(spark, f"{root}/date=*/hour=*/part-*.txt"):
        parent, _, name = uri.rpartition("/")
        by_dir.setdefault(parent, []).append(name)
    for parent, names in by_dir.items():
        for i, name in enumerate(sorted(names)):
            source = jvm.org.apache.hadoop.fs.Path(f"{parent}/{name}")
            target = jvm.org.apache.hadoop.fs.Path(f"{parent}/part-{i:05d}.jsonl")
            source.getFileSystem(conf).rename(source, target)


def _dataset_summary(
    spark: SparkSession, records: DataFrame, root: str, days: "list[dt.date]", defects: tuple
) -> dict:
    counts = {row["_kind"]: row["count"] for row in records.groupBy("_kind").count().collect()}
    files = [
        f for d in days for f in runtime.list_files(spark, f"{root}/date={d.isoformat()}/hour=*/*")
    ]
    found = {kind: counts.get(kind, 0) for kind in defects}
    extra = sum(found[kind] for kind in EXTRA_LINE_DEFECTS)
    return {
        "records": sum(counts.values()),
        "non_blank_lines": sum(counts.values()) + extra,
        "blank_lines": found.get("blank_line", 0),
        "defects": found,
        "files": len(files),
        "bytes": sum(size for _, size in files),
    }


def checked_trading_days(days: "list[dt.date]") -> "list[dt.date]":
    """The trading days of the range; a usage error when there are none or they are too far."""
    trading = trading_days(days[0], days[-1])
    if not trading:
        raise runtime.UsageError(f"no trading days (weekdays) in {runtime.run_label(days)}")
    if trading[0] < EPOCH or trading[-1] > LAST_DATE:
        raise runtime.UsageError(f"dates must be between {EPOCH} and {LAST_DATE}")
    return trading


def run(
    spark: SparkSession,
    days: "list[dt.date]",
    n_symbols: int,
    seed: int,
    bronze: str,
    ticks_per_hour: int = 60,
    defect_rate: float = 0.0,
) -> dict:
    """Generate the trading days among ``days``; return the run summary."""
    started = time.time()
    trading = checked_trading_days(days)
    symbols = symbols_for(n_symbols)
    daily = spark.createDataFrame(daily_rows(seed, symbols, trading), DAILY_SCHEMA)
    prices = price_records(spark, daily, len(trading), n_symbols, ticks_per_hour, seed, defect_rate)
    news = news_records(spark, daily, len(trading), symbols, seed, defect_rate)
    # Whole-stage codegen would fuse the bridge, the line building and every defect variant
    # into one Java method, past the JVM's 64 KB limit. Without it each projection is still
    # compiled, and Spark splits its code into methods.
    codegen = spark.conf.get("spark.sql.codegen.wholeStage")
    spark.conf.set("spark.sql.codegen.wholeStage", "false")
    try:
        write_lines(spark, prices, f"{bronze}/prices")
        write_lines(spark, news, f"{bronze}/news")
    finally:
        spark.conf.set("spark.sql.codegen.wholeStage", codegen)
    return {
        "job": JOB,
        "start": days[0].isoformat(),
        "end": days[-1].isoformat(),
        "trading_days": len(trading),
        "symbols": symbols,
        "seed": seed,
        "ticks_per_hour": ticks_per_hour,
        "defect_rate": defect_rate,
        "bronze": bronze,
        "prices": _dataset_summary(spark, prices, f"{bronze}/prices", trading, PRICE_DEFECTS),
        "news": _dataset_summary(spark, news, f"{bronze}/news", trading, NEWS_DEFECTS),
        "elapsed_seconds": round(time.time() - started, 3),
    }


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a rate between 0 and 1, got {text!r}")
    return value


def _main(argv=None) -> int:
    parser = runtime.job_parser(JOB, __doc__.split("\n\n")[0])
    runtime.add_date_args(parser)
    parser.add_argument("--symbols", type=runtime.positive_int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--bronze", type=runtime.normalise_uri, required=True)
    parser.add_argument("--ticks-per-hour", type=runtime.positive_int, default=60)
    parser.add_argument("--defect-rate", type=_rate, default=0.0)
    args = parser.parse_args(argv)
    days = runtime.dates_from_args(args)
    if args.ticks_per_hour > MS_PER_HOUR:
        raise runtime.UsageError(f"--ticks-per-hour must be at most {MS_PER_HOUR}")
    checked_trading_days(days)
    runtime.require_output_root(args.bronze, "Bronze")

    spark = runtime.get_spark("marketpulse-generate")
    summary = run(
        spark, days, args.symbols, args.seed, args.bronze, args.ticks_per_hour, args.defect_rate
    )
    runtime.emit_summary(spark, summary, runtime.summary_uri(args.bronze, JOB, days))
    return 0


main = runtime.run_main(_main)

if __name__ == "__main__":
    raise SystemExit(main())
