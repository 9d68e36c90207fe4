"""Schemas of every dataset the jobs read or write: the single place they are defined.

The Silver schemas are the contract between ``bronze_to_silver`` (which writes them) and
``silver_to_gold`` (which reads them). Changing a column here is a data-contract change:
update docs/data-contracts.md in the same commit.
"""

from pyspark.sql import types as T

# Bronze prices as read from JSON lines. Every field is read as a string so that a bad
# value is kept (and quarantined with its reason) instead of silently becoming null.
BRONZE_PRICE_FIELDS = ("symbol", "ts", "price", "volume", "source")

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
