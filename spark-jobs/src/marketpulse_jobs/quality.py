"""Bronze validity rules, in one place, as Spark column expressions.

A Bronze line is parsed with every field read as a string (see :func:`parse_json`), so a bad
value survives parsing and is reported here with a stable snake_case reason code instead of
silently becoming null. :func:`price_errors` and :func:`news_errors` turn the parsed columns into
an ``_errors`` array: empty when the record is valid.

Decisions the issue left open (documented in docs/data-contracts.md):

- A number may arrive as a JSON number or as a JSON string holding one (``"100"``): both are
  read the same way. ``1.5`` is not a valid volume; ``100`` and ``"100"`` are.
- ``NaN``, ``Infinity`` and numbers that overflow a double are never valid.
- A timestamp must carry its UTC offset (``Z`` or ``+00:00``): one without an offset is
  ambiguous, so it is rejected rather than guessed.
- An absent field and a JSON ``null`` are the same thing: ``missing_<field>``.
"""

import functools
import operator
from typing import Optional

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

# --- Reason codes. They are a data contract: quarantine readers and alerts match on them. ----
INVALID_JSON = "invalid_json"
MISSING_SYMBOL = "missing_symbol"
BAD_SYMBOL = "bad_symbol"
MISSING_TS = "missing_ts"
BAD_TS = "bad_ts"
TS_OUTSIDE_PARTITION = "ts_outside_partition"
MISSING_PRICE = "missing_price"
BAD_PRICE = "bad_price"
MISSING_VOLUME = "missing_volume"
BAD_VOLUME = "bad_volume"
MISSING_SOURCE = "missing_source"
MISSING_ID = "missing_id"
MISSING_SYMBOLS = "missing_symbols"
BAD_SYMBOLS = "bad_symbols"
MISSING_SENTIMENT = "missing_sentiment"
BAD_SENTIMENT = "bad_sentiment"
CONFLICTING_DUPLICATE = "conflicting_duplicate"

PRICE_REASONS = (
    INVALID_JSON,
    MISSING_SYMBOL,
    BAD_SYMBOL,
    MISSING_TS,
    BAD_TS,
    TS_OUTSIDE_PARTITION,
    MISSING_PRICE,
    BAD_PRICE,
    MISSING_VOLUME,
    BAD_VOLUME,
    MISSING_SOURCE,
    CONFLICTING_DUPLICATE,
)
NEWS_REASONS = (
    INVALID_JSON,
    MISSING_ID,
    MISSING_TS,
    BAD_TS,
    TS_OUTSIDE_PARTITION,
    MISSING_SYMBOLS,
    BAD_SYMBOLS,
    MISSING_SENTIMENT,
    BAD_SENTIMENT,
    CONFLICTING_DUPLICATE,
)

# --- Patterns (Java regex, as Spark's rlike uses). \z, not $: Java's $ also matches before a
# trailing newline, which would let "AAPL\n" through.
SYMBOL_PATTERN = r"^[A-Z][A-Z0-9.\-]{0,9}\z"
TS_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|\+00:00)\z"
NUMBER_PATTERN = r"^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?\z"
# At most 18 digits, so that every match fits in a 64-bit integer.
INTEGER_PATTERN = r"^(0|[1-9]\d{0,17})\z"
# One JSON object on the line: Jackson alone would accept '{"a":1} trailing text'.
OBJECT_PATTERN = r"(?s)^\s*\{.*\}\s*\z"

_CORRUPT = "_corrupt_record"
# Strict JSON, except NaN/Infinity, which are parsed only to be reported as bad_price.
_JSON_OPTIONS = {
    "mode": "PERMISSIVE",
    "columnNameOfCorruptRecord": _CORRUPT,
    "allowSingleQuotes": "false",
}


def parse_json(raw: Column, fields: "tuple[str, ...]") -> Column:
    """A struct of ``fields`` (all strings) plus ``json_ok``: whether the line is a JSON object.

    A field that holds a JSON string gives its text; any other JSON value (number, array,
    object) gives its JSON text, e.g. ``1.5`` or ``["AAPL"]``. Unknown fields are ignored.
    """
    schema = T.StructType(
        [T.StructField(name, T.StringType()) for name in fields]
        + [T.StructField(_CORRUPT, T.StringType())]
    )
    parsed = F.from_json(raw, schema, _JSON_OPTIONS)
    json_ok = parsed.isNotNull() & parsed[_CORRUPT].isNull() & raw.rlike(OBJECT_PATTERN)
    return F.struct(*[parsed[name].alias(name) for name in fields], json_ok.alias("json_ok"))


# --- Typed values: null unless the text is valid for the type. Regex first, so that a cast
# never sees bad text (a failing cast raises when spark.sql.ansi.enabled is on).


def typed_ts(text: Column) -> Column:
    """The instant, for an ISO-8601 UTC timestamp (fraction truncated to microseconds).

    The pattern admits only the offsets ``Z`` and ``+00:00``, so the text is parsed without
    them, in the session time zone, which every job sets to UTC (``runtime.REQUIRED_CONF``):
    Spark would otherwise resolve the offset of every value as a zone id (3 s of bench:etl).
    """
    offset = F.when(text.endswith("Z"), F.lit(1)).otherwise(F.lit(len("+00:00")))
    local = text.substr(F.lit(1), F.length(text) - offset)
    return F.when(text.rlike(TS_PATTERN), F.try_to_timestamp(local))


def typed_number(text: Column) -> Column:
    """The double value of a JSON number literal (may be +/-Infinity when it overflows)."""
    return F.when(text.rlike(NUMBER_PATTERN), text.cast(T.DoubleType()))


def typed_count(text: Column) -> Column:
    """The value of a non-negative integer literal, as a long."""
    return F.when(text.rlike(INTEGER_PATTERN), text.cast(T.LongType()))


def typed_symbols(text: Column) -> Column:
    """The array of strings of a JSON array (null when the text is not an array)."""
    return F.from_json(text, T.ArrayType(T.StringType()))


def _is_blank(text: Column) -> Column:
    return text.isNull() | ~text.rlike(r"\S")


def _ts_outside(trade_date: Column, ts_value: Column) -> Column:
    # The pattern pins the offset to UTC and the session time zone is UTC, so the instant's
    # date is the text's first ten characters: compared as dates, not as formatted text.
    return ts_value.isNotNull() & (ts_value.cast("date") != trade_date)


def _errors(json_ok: Column, checks: "list[tuple[str, Column]]") -> Column:
    # Each check is (code, failed); a failed expression must never be null. The codes are
    # joined into one string (concat_ws skips the nulls) and split again, rather than filtered
    # out of an array with a lambda: a lambda cannot be compiled, and Spark would evaluate every
    # check under it row by row in interpreted mode (2-3x the cost of the whole validation).
    # Valid records (nearly all) skip the joining and splitting: they only evaluate the checks.
    joined = F.concat_ws(",", *[F.when(failed, F.lit(code)) for code, failed in checks])
    reasons = F.array_remove(F.split(joined, ","), "")
    failed_any = functools.reduce(operator.or_, [failed for _, failed in checks])
    return (
        F.when(~json_ok, F.array(F.lit(INVALID_JSON)))
        .when(failed_any, reasons)
        .otherwise(F.array().cast(T.ArrayType(T.StringType())))
    )


def price_errors(
    json_ok: Column,
    symbol: Column,
    ts: Column,
    price: Column,
    volume: Column,
    source: Column,
    trade_date: Column,
    ts_value: Optional[Column] = None,
    price_value: Optional[Column] = None,
    volume_value: Optional[Column] = None,
) -> Column:
    """The reason codes for one Bronze price record (string columns as parsed).

    ``ts_value``, ``price_value`` and ``volume_value`` are the typed values (:func:`typed_ts`,
    :func:`typed_number`, :func:`typed_count`) when the caller already has them as columns:
    computed once, instead of again inside the checks, where Spark cannot share them (it does
    not reuse an expression that is only evaluated conditionally).
    """
    ts_value = typed_ts(ts) if ts_value is None else ts_value
    price_value = typed_number(price) if price_value is None else price_value
    volume_value = typed_count(volume) if volume_value is None else volume_value
    return _errors(
        json_ok,
        [
            (MISSING_SYMBOL, symbol.isNull()),
            (BAD_SYMBOL, symbol.isNotNull() & ~symbol.rlike(SYMBOL_PATTERN)),
            (MISSING_TS, ts.isNull()),
            (BAD_TS, ts.isNotNull() & ts_value.isNull()),
            (TS_OUTSIDE_PARTITION, F.coalesce(_ts_outside(trade_date, ts_value), F.lit(False))),
            (MISSING_PRICE, price.isNull()),
            (
                BAD_PRICE,
                price.isNotNull()
                & F.coalesce(~((price_value > 0) & (price_value < float("inf"))), F.lit(True)),
            ),
            (MISSING_VOLUME, volume.isNull()),
            (BAD_VOLUME, volume.isNotNull() & volume_value.isNull()),
            (MISSING_SOURCE, _is_blank(source)),
        ],
    )


def news_errors(
    json_ok: Column,
    article_id: Column,
    ts: Column,
    symbols: Column,
    sentiment: Column,
    trade_date: Column,
    ts_value: Optional[Column] = None,
    symbol_list: Optional[Column] = None,
    sentiment_value: Optional[Column] = None,
) -> Column:
    """The reason codes for one Bronze news record (string columns as parsed); the typed values
    may be passed as columns, as for :func:`price_errors`."""
    ts_value = typed_ts(ts) if ts_value is None else ts_value
    symbol_list = typed_symbols(symbols) if symbol_list is None else symbol_list
    sentiment_value = typed_number(sentiment) if sentiment_value is None else sentiment_value
    symbols_ok = (F.size(symbol_list) > 0) & F.forall(
        symbol_list, lambda s: F.coalesce(s.rlike(SYMBOL_PATTERN), F.lit(False))
    )
    return _errors(
        json_ok,
        [
            (MISSING_ID, _is_blank(article_id)),
            (MISSING_TS, ts.isNull()),
            (BAD_TS, ts.isNotNull() & ts_value.isNull()),
            (TS_OUTSIDE_PARTITION, F.coalesce(_ts_outside(trade_date, ts_value), F.lit(False))),
            (MISSING_SYMBOLS, symbols.isNull()),
            (BAD_SYMBOLS, symbols.isNotNull() & ~F.coalesce(symbols_ok, F.lit(False))),
            (MISSING_SENTIMENT, sentiment.isNull()),
            (
                BAD_SENTIMENT,
                sentiment.isNotNull()
                & ~F.coalesce(sentiment_value.between(-1.0, 1.0), F.lit(False)),
            ),
        ],
    )
