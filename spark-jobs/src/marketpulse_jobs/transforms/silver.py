"""Bronze -> Silver transforms: validate, deduplicate, and split into Silver and quarantine.

The input is Bronze as text lines: ``_raw`` (the line), ``_file`` (where it was read from) and
``trade_date`` (the date of the Bronze partition it sits in). :func:`classify_prices` and
:func:`classify_news` give every non-blank line exactly one ``_status``:

- ``silver``: valid, and the kept copy of its key;
- ``quarantined``: invalid, or a valid record that lost a key conflict (its ``_errors`` says
  why);
- ``duplicate``: dropped and counted, because an identical record is kept: the same line, or
  the same values for every contract field written differently (key order, spacing, an
  unknown extra field, ``100`` vs ``"100"``).

So ``non-blank lines = silver + quarantined + duplicate`` holds by construction, and the job
checks it against what was actually written.
"""

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from marketpulse_jobs import quality
from marketpulse_jobs.schemas import (
    BRONZE_NEWS_FIELDS,
    BRONZE_PRICE_FIELDS,
    QUARANTINE_NEWS,
    QUARANTINE_PRICES,
    SILVER_NEWS,
    SILVER_PRICES,
    conform,
)

RAW = "_raw"
FILE = "_file"
ERRORS = "_errors"
STATUS = "_status"
TRADE_DATE = "trade_date"

SILVER = "silver"
QUARANTINED = "quarantined"
DUPLICATE = "duplicate"

# A Silver price is unique on (symbol, ts, source); a Silver article on its id.
PRICE_KEY = ("symbol", "_ts", "source")
PRICE_VALUES = ("_price", "_volume")
NEWS_KEY = ("id",)
NEWS_VALUES = ("_ts", "_symbols", "headline", "source", "_sentiment")


def _typed_text(columns: "list[str]") -> "set[str]":
    """The Bronze text columns that have a typed twin among ``columns`` (``ts`` for ``_ts``)."""
    names = set(columns)
    return {name for name in names if f"_{name}" in names}


def non_blank(lines: DataFrame) -> DataFrame:
    """Drop blank lines (empty or whitespace only): they are not records."""
    return lines.where(F.col(RAW).rlike(r"\S"))


def _parsed(lines: DataFrame, fields: "tuple[str, ...]") -> DataFrame:
    parsed = quality.parse_json(F.col(RAW), fields).alias("_parsed")
    return lines.select(RAW, FILE, TRADE_DATE, parsed).select(RAW, FILE, TRADE_DATE, "_parsed.*")


def _validate(lines: DataFrame, fields, typed: "dict[str, Column]", errors: Column) -> DataFrame:
    """Parse ``fields``, add the ``typed`` columns (name: expression over the parsed text) and
    ``_errors``, whose checks read the typed columns, so that each value is parsed once."""
    parsed = _parsed(lines, fields).select("*", *[expr.alias(n) for n, expr in typed.items()])
    return parsed.select(RAW, FILE, TRADE_DATE, *fields, *typed, errors.alias(ERRORS))


def validate_prices(lines: DataFrame) -> DataFrame:
    """Parse price lines; add typed ``_ts``, ``_price``, ``_volume`` and ``_errors``."""
    c = F.col
    typed = {
        "_ts": quality.typed_ts(c("ts")),
        "_price": quality.typed_number(c("price")),
        "_volume": quality.typed_count(c("volume")),
    }
    errors = quality.price_errors(
        *[c(name) for name in ("json_ok", "symbol", "ts", "price", "volume", "source")],
        c(TRADE_DATE),
        ts_value=c("_ts"),
        price_value=c("_price"),
        volume_value=c("_volume"),
    )
    return _validate(lines, BRONZE_PRICE_FIELDS, typed, errors)


def validate_news(lines: DataFrame) -> DataFrame:
    """Parse news lines; add ``_ts``, ``_symbols``, ``_sentiment`` and ``_errors``."""
    c = F.col
    typed = {
        "_ts": quality.typed_ts(c("ts")),
        "_symbols": quality.typed_symbols(c("symbols")),
        "_sentiment": quality.typed_number(c("sentiment")),
    }
    errors = quality.news_errors(
        *[c(name) for name in ("json_ok", "id", "ts", "symbols", "sentiment")],
        c(TRADE_DATE),
        ts_value=c("_ts"),
        symbol_list=c("_symbols"),
        sentiment_value=c("_sentiment"),
    )
    return _validate(lines, BRONZE_NEWS_FIELDS, typed, errors)


def dedupe(
    validated: DataFrame,
    key: "tuple[str, ...]",
    values: "tuple[str, ...]",
    by_day: bool = False,
) -> DataFrame:
    """Give each record its ``_status``, resolving duplicates within a trade date.

    Valid records are grouped by ``key``; invalid ones by their raw line. In a group the record
    whose raw line sorts first, then whose file does, is kept (a deterministic winner, whatever
    order the files were read in). A later record with the same raw line, or the same ``values``
    as the winner, is a duplicate; one with different values is quarantined as
    ``conflicting_duplicate``.

    ``by_day`` distributes the rows by trade date alone, so that each day's rows end up in one
    partition, sorted by the group (``key`` first for valid rows): a writer of one file per day
    then needs no shuffle of its own. It also puts a whole day in one task, which only suits
    days that are written as one file anyway. The statuses are the same either way.

    A valid row's text of the typed fields (``ts`` beside ``_ts``, ...) is not carried through
    the shuffle: only quarantined rows output it, and a valid row is quarantined only when it
    loses a conflict. Such a row gets its text back by parsing its line again.
    """
    ok = F.size(ERRORS) == 0
    columns = validated.columns
    text = _typed_text(columns)
    validated = validated.select(
        *[F.when(~ok, F.col(c)).alias(c) if c in text else c for c in columns]
    )
    if by_day:
        validated = validated.repartition(TRADE_DATE)
    group = [F.col(TRADE_DATE)]
    group += [F.when(ok, F.col(k)) for k in key]
    group += [F.when(~ok, F.col(RAW))]
    # The file breaks ties between identical lines: a quarantined line's _file is deterministic.
    window = Window.partitionBy(*group).orderBy(RAW, FILE)
    ranked = validated.select(
        "*",
        (F.row_number().over(window) == 1).alias("_first"),
        F.coalesce(F.lag(RAW).over(window) == F.col(RAW), F.lit(False)).alias("_same_line"),
        *[F.first(v).over(window).alias(f"_kept{v}") for v in values],
    )

    same_values = F.lit(True)
    for v in values:
        same_values = same_values & F.col(v).eqNullSafe(F.col(f"_kept{v}"))
    status = (
        F.when(F.col("_first"), F.when(ok, F.lit(SILVER)).otherwise(F.lit(QUARANTINED)))
        .when(F.col("_same_line") | (ok & same_values), F.lit(DUPLICATE))
        .otherwise(F.lit(QUARANTINED))
    )
    conflict = ok & ~F.col("_first") & ~F.col("_same_line") & ~same_values
    errors = F.when(conflict, F.array(F.lit(quality.CONFLICTING_DUPLICATE))).otherwise(
        F.col(ERRORS)
    )
    # Parsed again only for the rare losers of a conflict (a branch Spark evaluates lazily).
    reparsed = quality.parse_json(F.col(RAW), tuple(sorted(text)))
    restored = {c: F.when(conflict, reparsed[c]).otherwise(F.col(c)).alias(c) for c in text}
    return ranked.select(
        *[restored.get(c, c) for c in columns if c != ERRORS],
        errors.alias(ERRORS),
        status.alias(STATUS),
    )


def classify_prices(lines: DataFrame, by_day: bool = False) -> DataFrame:
    """Bronze price lines -> one row per non-blank line with ``_status`` and ``_errors``
    (``by_day``: see :func:`dedupe`)."""
    return dedupe(validate_prices(non_blank(lines)), PRICE_KEY, PRICE_VALUES, by_day)


def classify_news(lines: DataFrame, by_day: bool = False) -> DataFrame:
    """Bronze news lines -> one row per non-blank line with ``_status`` and ``_errors``
    (``by_day``: see :func:`dedupe`)."""
    return dedupe(validate_news(non_blank(lines)), NEWS_KEY, NEWS_VALUES, by_day)


def silver_prices(classified: DataFrame) -> DataFrame:
    """The Silver rows of classified prices, with the SILVER_PRICES schema."""
    kept = classified.where(F.col(STATUS) == SILVER)
    return conform(
        kept.select(
            "symbol",
            F.col("_ts").alias("ts"),
            F.col("_price").alias("price"),
            F.col("_volume").alias("volume"),
            "source",
            TRADE_DATE,
        ),
        SILVER_PRICES,
    )


def silver_news(classified: DataFrame) -> DataFrame:
    """The Silver rows of classified news, with the SILVER_NEWS schema."""
    kept = classified.where(F.col(STATUS) == SILVER)
    return conform(
        kept.select(
            "id",
            F.col("_ts").alias("ts"),
            F.col("_symbols").alias("symbols"),
            "headline",
            "source",
            F.col("_sentiment").alias("sentiment"),
            TRADE_DATE,
        ),
        SILVER_NEWS,
    )


def quarantine_prices(classified: DataFrame) -> DataFrame:
    """The quarantined rows of classified prices, with the QUARANTINE_PRICES schema."""
    return conform(classified.where(F.col(STATUS) == QUARANTINED), QUARANTINE_PRICES)


def quarantine_news(classified: DataFrame) -> DataFrame:
    """The quarantined rows of classified news, with the QUARANTINE_NEWS schema."""
    return conform(classified.where(F.col(STATUS) == QUARANTINED), QUARANTINE_NEWS)


def for_outputs(classified: DataFrame) -> DataFrame:
    """``classified`` with only what the outputs and counts use: the line, its file, the reasons
    and the text of every field that has a typed twin (``ts`` and ``_ts``, ...) stay on
    quarantined rows alone, the only rows whose output has them."""
    quarantined = F.col(STATUS) == QUARANTINED
    bronze_text = {RAW, FILE, ERRORS} | _typed_text(classified.columns)
    return classified.select(
        *[
            F.when(quarantined, F.col(name)).alias(name) if name in bronze_text else name
            for name in classified.columns
        ]
    )


def outcome_counts(classified: DataFrame) -> DataFrame:
    """Row counts by (trade_date, _status, _errors): small enough to collect."""
    return classified.groupBy(TRADE_DATE, STATUS, ERRORS).count()
