"""Schemas of every dataset the jobs read or write: the single place they are defined.

The Silver schemas are the contract between ``bronze_to_silver`` (which writes them) and
``silver_to_gold`` (which reads them). Changing a column here is a data-contract change:
update docs/data-contracts.md in the same commit.
"""

from typing import NamedTuple

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

# Bronze prices as read from JSON lines. Every field is read as a string so that a bad
# value is kept (and quarantined with its reason) instead of silently becoming null.
BRONZE_PRICE_FIELDS = ("symbol", "ts", "price", "volume", "source")
BRONZE_NEWS_FIELDS = ("id", "ts", "symbols", "headline", "source", "sentiment")

SILVER_PRICES = T.StructType(
    [
        T.StructField("symbol", T.StringType(), False),
        T.StructField("ts", T.TimestampType(), False),
        T.StructField("price", T.DoubleType(), False),
        T.StructField("volume", T.LongType(), False),
        T.StructField("source", T.StringType(), False),
        T.StructField("trade_date", T.DateType(), False),
    ]
)

SILVER_NEWS = T.StructType(
    [
        T.StructField("id", T.StringType(), False),
        T.StructField("ts", T.TimestampType(), False),
        T.StructField("symbols", T.ArrayType(T.StringType(), False), False),
        T.StructField("headline", T.StringType(), True),
        T.StructField("source", T.StringType(), True),
        T.StructField("sentiment", T.DoubleType(), False),
        T.StructField("trade_date", T.DateType(), False),
    ]
)

# Quarantine: the fields that could be read, as the strings they were in Bronze (all null when
# the line is not JSON), the raw line, the Bronze file it came from and the reason codes
# (quality.PRICE_REASONS / quality.NEWS_REASONS).
_QUARANTINE_META = [
    T.StructField("_raw", T.StringType(), False),
    T.StructField("_file", T.StringType(), False),
    T.StructField("_errors", T.ArrayType(T.StringType(), False), False),
    T.StructField("trade_date", T.DateType(), False),
]

QUARANTINE_PRICES = T.StructType(
    [T.StructField(name, T.StringType(), True) for name in BRONZE_PRICE_FIELDS] + _QUARANTINE_META
)

QUARANTINE_NEWS = T.StructType(
    [T.StructField(name, T.StringType(), True) for name in BRONZE_NEWS_FIELDS] + _QUARANTINE_META
)

# Gold tables, written by silver_to_gold (column order as written). Indicator columns are null
# during their warm-up; see docs/data-contracts.md for the conventions.
_DOUBLE = T.DoubleType()
GOLD_DAILY_PRICES = T.StructType(
    [
        T.StructField("symbol", T.StringType(), False),
        T.StructField("trade_date", T.DateType(), False),
        *[T.StructField(name, _DOUBLE, True) for name in ("open", "high", "low", "close")],
        T.StructField("volume", T.LongType(), True),
        *[
            T.StructField(name, _DOUBLE, True)
            for name in (
                "vwap",
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
            )
        ],
        T.StructField("is_anomaly", T.BooleanType(), True),
    ]
)

# The daily OHLCV columns of GOLD_DAILY_PRICES (symbol, trade_date, open .. vwap): what
# transforms.gold.daily_ohlcv computes; transforms.indicators appends every column after them.
GOLD_OHLCV_COLUMNS = tuple(GOLD_DAILY_PRICES.names[: GOLD_DAILY_PRICES.names.index("vwap") + 1])

GOLD_SENTIMENT_DAILY = T.StructType(
    [
        T.StructField("symbol", T.StringType(), False),
        T.StructField("trade_date", T.DateType(), False),
        T.StructField("article_count", T.LongType(), False),
        T.StructField("sentiment_mean", _DOUBLE, True),
        T.StructField("sentiment_mean_7d", _DOUBLE, True),
        T.StructField("sentiment_return_corr_30d", _DOUBLE, True),
        T.StructField("sentiment_return_pairs_30d", T.IntegerType(), False),
    ]
)

GOLD_CORRELATIONS = T.StructType(
    [
        T.StructField("trade_date", T.DateType(), False),
        T.StructField("symbol_a", T.StringType(), False),
        T.StructField("symbol_b", T.StringType(), False),
        T.StructField("window", T.IntegerType(), False),
        T.StructField("corr", _DOUBLE, True),
        T.StructField("n", T.IntegerType(), False),
    ]
)


class Dataset(NamedTuple):
    """A dataset of the lake, as the Glue catalogue sees it (spark-jobs/contract.json)."""

    name: str  # unique name, e.g. for a Glue table
    root: str  # the job argument it lives under: silver, quarantine or gold (--silver, ...)
    path: str  # its folder under that root
    schema: T.StructType  # every column, partition keys included
    description: str
    partition_keys: "tuple[str, ...]" = ("trade_date",)


# Every dataset the jobs write, in the contract's order. bronze_to_silver writes <silver>/<path>
# and <quarantine>/<path> for each Bronze dataset; silver_to_gold writes <gold>/<path>.
LAKE_DATASETS = (
    Dataset(
        "prices",
        "silver",
        "prices",
        SILVER_PRICES,
        "Validated, deduplicated price ticks, one row per (symbol, ts, source).",
    ),
    Dataset(
        "news",
        "silver",
        "news",
        SILVER_NEWS,
        "Validated, deduplicated news articles, one row per id.",
    ),
    Dataset(
        "quarantine_prices",
        "quarantine",
        "prices",
        QUARANTINE_PRICES,
        "Rejected Bronze price lines: the fields as read, the raw line, its file and the reasons.",
    ),
    Dataset(
        "quarantine_news",
        "quarantine",
        "news",
        QUARANTINE_NEWS,
        "Rejected Bronze news lines: the fields as read, the raw line, its file and the reasons.",
    ),
    Dataset(
        "daily_prices",
        "gold",
        "daily_prices",
        GOLD_DAILY_PRICES,
        "Daily OHLCV, VWAP and technical indicators per symbol and trading day.",
    ),
    Dataset(
        "sentiment_daily",
        "gold",
        "sentiment_daily",
        GOLD_SENTIMENT_DAILY,
        "Daily article count and news sentiment per symbol, with its 7-day mean and its "
        "30-day correlation with returns.",
    ),
    Dataset(
        "correlations",
        "gold",
        "correlations",
        GOLD_CORRELATIONS,
        "Pairwise correlations of daily returns over trailing 30 and 90 trading-day windows.",
    ),
)


def conform(df: DataFrame, schema: T.StructType) -> DataFrame:
    """``df``'s columns in ``schema``'s order, named and typed as the schema says.

    Only atomic types are cast: array columns already have the right element type, and a cast
    cannot change an array's nullability.
    """
    return df.select(
        *[
            F.col(f.name).cast(f.dataType).alias(f.name)
            if isinstance(f.dataType, T.AtomicType)
            else F.col(f.name)
            for f in schema.fields
        ]
    )
