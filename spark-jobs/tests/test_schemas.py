"""schemas.conform: the one helper that shapes a DataFrame to a contract schema."""

import datetime as dt

from marketpulse_jobs import schemas


def test_conform_orders_names_and_casts_columns_and_keeps_arrays(spark):
    # Columns out of order, volume as an int, sentiment as a string, symbols an array.
    df = spark.createDataFrame(
        [(dt.date(2024, 1, 2), "0.5", ["AAPL"], "n-1", None, "wire", dt.datetime(2024, 1, 2, 9))],
        "trade_date date, sentiment string, symbols array<string>, id string, headline string, "
        "source string, ts timestamp",
    )
    out = schemas.conform(df, schemas.SILVER_NEWS)
    assert out.columns == schemas.SILVER_NEWS.names
    # simpleString: an array keeps its element nullability (a cast cannot change it).
    assert out.schema.simpleString() == schemas.SILVER_NEWS.simpleString()
    (row,) = out.collect()
    assert (row.id, row.sentiment, row.symbols) == ("n-1", 0.5, ["AAPL"])


def test_conform_casts_integers_to_the_schema_width(spark):
    df = spark.createDataFrame(
        [("AAA", dt.date(2024, 1, 2), 3, 2)], "a string, b date, c int, d int"
    )
    df = df.toDF("symbol", "trade_date", "article_count", "sentiment_return_pairs_30d")
    df = df.selectExpr("*", "null as sentiment_mean", "null as sentiment_mean_7d")
    df = df.selectExpr("*", "null as sentiment_return_corr_30d")
    out = schemas.conform(df, schemas.GOLD_SENTIMENT_DAILY)
    assert out.schema.simpleString() == (
        "struct<symbol:string,trade_date:date,article_count:bigint,sentiment_mean:double,"
        "sentiment_mean_7d:double,sentiment_return_corr_30d:double,"
        "sentiment_return_pairs_30d:int>"
    )
    assert out.first().article_count == 3
