"""Technical indicators over a daily OHLCV frame: pure ``DataFrame -> DataFrame`` functions.

The input has one row per ``(symbol, trade_date)`` with at least ``close``. Every function
works over the whole per-symbol series it is given, in ``trade_date`` order, and "the last n
days" means the symbol's last n rows (its trading days), not calendar days. Values are null
during warm-up, until the indicator has the history its definition needs.

Determinism: the value for a day depends only on that symbol's rows up to that day, and is
computed by the same floating-point operations in the same order whatever else is in the
frame. Window aggregates over a bounded frame are re-evaluated from the frame's rows (Spark
does not slide them by subtraction); the recursive indicators (EMA, MACD signal, Wilder's RSI)
run as one left-to-right fold per symbol over the date-sorted history. So a day gets the same
bits from a daily run as from a backfill, provided both see the same full history.

Recursions use only Spark built-ins (no Python UDFs, no pandas): each symbol's rows are
collected into one date-sorted array, ``aggregate`` folds the recursion over it while
appending each step's value to an output array, and ``posexplode`` turns the arrays back into
rows. The exact recursion is used rather than a closed-form weighted sum, whose (1-k)^-j
weights overflow and lose precision on long histories. Appending copies the accumulator, so a
fold is quadratic in the history length in the worst case; that is milliseconds per symbol for
a decade of trading days.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

# The indicator columns add_indicators appends, in the Gold daily_prices column order.
INDICATOR_COLUMNS = (
    "return_1d",
    "sma_20",
    "sma_50",
    "ema_12",
    "ema_26",
    "macd",
    "macd_signal",
    "macd_hist",
    "rsi_14",
    "bb_mid_20",
    "bb_upper_20",
    "bb_lower_20",
    "return_zscore_20",
    "is_anomaly",
)

ANOMALY_Z = 3.0

_ROWS = "_rows"

Step = tuple[str, Column]


def _by_day() -> Window:
    # A function, not a module constant: building a WindowSpec needs a live SparkContext.
    return Window.partitionBy("symbol").orderBy("trade_date")


def with_return_1d(df: DataFrame) -> DataFrame:
    """``return_1d`` = close / previous close - 1 (simple return); null on a symbol's first day."""
    return df.withColumn("return_1d", F.col("close") / F.lag("close").over(_by_day()) - 1.0)


def with_sma(df: DataFrame, n: int, source: str = "close", name: str | None = None) -> DataFrame:
    """Plain average of the last ``n`` values; null for the first n-1 rows."""
    frame = _by_day().rowsBetween(-(n - 1), Window.currentRow)
    full = F.count(source).over(frame) == n
    return df.withColumn(name or f"sma_{n}", F.when(full, F.avg(source).over(frame)))


def with_bollinger(df: DataFrame, n: int = 20, width: float = 2.0) -> DataFrame:
    """Bollinger bands: SMA(n) of close +/- ``width`` population standard deviations."""
    frame = _by_day().rowsBetween(-(n - 1), Window.currentRow)
    stats = df.select(
        "*",
        F.count("close").over(frame).alias("_n"),
        F.avg("close").over(frame).alias("_mean"),
        F.stddev_pop("close").over(frame).alias("_sd"),
    )
    full = F.col("_n") == n
    mid, sd = F.col("_mean"), F.col("_sd")
    return stats.select(
        *df.columns,
        F.when(full, mid).alias(f"bb_mid_{n}"),
        F.when(full, mid + F.lit(width) * sd).alias(f"bb_upper_{n}"),
        F.when(full, mid - F.lit(width) * sd).alias(f"bb_lower_{n}"),
    )


def with_return_zscore(df: DataFrame, n: int = 20, threshold: float = ANOMALY_Z) -> DataFrame:
    """``return_zscore_<n>`` and ``is_anomaly``; needs ``return_1d``.

    z = (return_1d - mean) / stddev over the n previous returns, excluding the current one,
    with the sample (n-1) standard deviation. Null until n previous returns exist, and when
    they are all equal (stddev 0). ``is_anomaly`` is |z| > threshold, null where z is null.
    """
    frame = _by_day().rowsBetween(-n, -1)
    stats = df.select(
        "*",
        F.count("return_1d").over(frame).alias("_n"),
        F.avg("return_1d").over(frame).alias("_mean"),
        F.stddev_samp("return_1d").over(frame).alias("_sd"),
    )
    z = F.when(
        (F.col("_n") == n) & (F.col("_sd") > 0),
        (F.col("return_1d") - F.col("_mean")) / F.col("_sd"),
    )
    name = f"return_zscore_{n}"
    return stats.select(*df.columns, z.alias(name)).withColumn(
        "is_anomaly", F.abs(F.col(name)) > threshold
    )


# --- recursive indicators: array folds --------------------------------------------------


def seeded_smoothing(values: Column, n: int, step: Callable[[Column, Column], Column]) -> Column:
    """Array -> array of the same length: a recursive average seeded with a simple average.

    Null until ``n`` non-null values have been seen; at the n-th the value is their simple
    average (summed left to right, then divided by n); after that ``step(previous, x)``.
    Null inputs (a leading warm-up, as in the MACD line) give null and leave the state as is.
    """
    init = F.struct(
        F.lit(0).alias("seen"),
        F.lit(0.0).alias("total"),
        F.lit(None).cast("double").alias("value"),
        F.array().cast("array<double>").alias("out"),
    )

    def merge(acc: Column, x: Column) -> Column:
        present = x.isNotNull()
        seen = acc["seen"] + F.when(present, 1).otherwise(0)
        total = F.when(present & (seen <= n), acc["total"] + x).otherwise(acc["total"])
        value = (
            F.when(~present, acc["value"])
            .when(seen == n, total / n)
            .when(seen > n, step(acc["value"], x))
        )
        return F.struct(
            seen.alias("seen"),
            total.alias("total"),
            value.alias("value"),
            F.concat(acc["out"], F.array(F.when(present, value))).alias("out"),
        )

    return F.aggregate(values, init, merge, lambda acc: acc["out"])


def ema_array(values: Column, n: int) -> Column:
    """EMA(n) seeded with the SMA of the first n values, k = 2/(n+1) (StockCharts/TA-Lib)."""
    k = F.lit(2.0 / (n + 1))
    return seeded_smoothing(values, n, lambda prev, x: (x - prev) * k + prev)


def wilder_array(values: Column, n: int) -> Column:
    """Wilder's smoothing: seeded with the simple average, then (prev * (n-1) + x) / n."""
    return seeded_smoothing(values, n, lambda prev, x: (prev * (n - 1) + x) / n)


def _field(name: str) -> Column:
    return F.transform(F.col(_ROWS), lambda r: r[name])


def _minus(a: str, b: str) -> Column:
    return F.zip_with(a, b, lambda x, y: x - y)


def _ema_steps(n: int, name: str) -> list[Step]:
    return [("_close", _field("close")), (name, ema_array(F.col("_close"), n))]


def _macd_steps(fast: str, slow: str, signal: int) -> list[Step]:
    return [
        ("macd", _minus(fast, slow)),
        ("macd_signal", ema_array(F.col("macd"), signal)),
        ("macd_hist", _minus("macd", "macd_signal")),
    ]


def _rsi_steps(n: int, name: str) -> list[Step]:
    closes = F.col("_close")
    return [
        ("_close", _field("close")),
        ("_change", F.transform(closes, lambda x, i: F.when(i > 0, x - F.element_at(closes, i)))),
        ("_gain", F.transform("_change", lambda d: F.when(d > 0, d).when(d.isNotNull(), 0.0))),
        ("_loss", F.transform("_change", lambda d: F.when(d < 0, -d).when(d.isNotNull(), 0.0))),
        ("_avg_gain", wilder_array(F.col("_gain"), n)),
        ("_avg_loss", wilder_array(F.col("_loss"), n)),
        (
            name,
            F.zip_with(
                "_avg_gain",
                "_avg_loss",
                lambda g, lo: F.when(lo == 0, 100.0).otherwise(100.0 - 100.0 / (1.0 + g / lo)),
            ),
        ),
    ]


def _with_series(df: DataFrame, steps: Sequence[Step], outputs: Sequence[str]) -> DataFrame:
    """Evaluates array-valued ``steps`` over each symbol's date-sorted rows, explodes ``outputs``.

    The steps run on a one-row-per-symbol frame whose ``_rows`` column holds the symbol's rows
    sorted by trade_date (unique per symbol, so the order is total). A step may use earlier
    steps by name; a repeated name is computed once. Element i of each output belongs to row i.
    """
    others = [c for c in df.columns if c not in ("symbol", "trade_date")]
    grouped = df.groupBy("symbol").agg(
        F.array_sort(F.collect_list(F.struct("trade_date", *others))).alias(_ROWS)
    )
    done: set[str] = set()
    for name, col in steps:
        if name not in done:
            grouped = grouped.withColumn(name, col)
            done.add(name)
    exploded = grouped.select("symbol", F.posexplode(_ROWS).alias("_pos", "_row"), *outputs)
    return exploded.select(
        "symbol",
        "_row.*",
        *[F.element_at(F.col(o), F.col("_pos") + 1).alias(o) for o in outputs],
    )


def with_ema(df: DataFrame, n: int) -> DataFrame:
    """``ema_<n>`` of close: seeded with the SMA of the first n closes, then k = 2/(n+1)."""
    return _with_series(df, _ema_steps(n, f"ema_{n}"), [f"ema_{n}"])


def with_macd(df: DataFrame, fast: int = 12, slow: int = 26, signal: int = 9) -> DataFrame:
    """``macd`` = EMA(fast) - EMA(slow); ``macd_signal`` = EMA(signal) of the MACD line, seeded
    with the SMA of its first ``signal`` values; ``macd_hist`` = macd - macd_signal."""
    steps = [
        *_ema_steps(fast, "_ema_fast"),
        *_ema_steps(slow, "_ema_slow"),
        *_macd_steps("_ema_fast", "_ema_slow", signal),
    ]
    return _with_series(df, steps, ["macd", "macd_signal", "macd_hist"])


def with_rsi(df: DataFrame, n: int = 14) -> DataFrame:
    """``rsi_<n>``: Wilder's RSI, 100 when the average loss is 0; first value on row n+1."""
    return _with_series(df, _rsi_steps(n, f"rsi_{n}"), [f"rsi_{n}"])


def add_indicators(daily: DataFrame) -> DataFrame:
    """Every Gold indicator column, appended in ``INDICATOR_COLUMNS`` order.

    The window indicators share one sort per symbol; the recursive ones share one fold pass.
    """
    df = with_return_1d(daily)
    df = with_sma(df, 20)
    df = with_sma(df, 50)
    df = with_bollinger(df, 20, 2.0)
    df = with_return_zscore(df, 20, ANOMALY_Z)
    steps = [
        *_ema_steps(12, "ema_12"),
        *_ema_steps(26, "ema_26"),
        *_macd_steps("ema_12", "ema_26", 9),
        *_rsi_steps(14, "rsi_14"),
    ]
    outputs = ["ema_12", "ema_26", "macd", "macd_signal", "macd_hist", "rsi_14"]
    df = _with_series(df, steps, outputs)
    return df.select(*daily.columns, *INDICATOR_COLUMNS)
