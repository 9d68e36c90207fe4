"""Per-run data-quality metrics: defined once here, exported in spark-jobs/contract.json, and
written after every run as ``<output-root>/_runs/<job>/<date or start_end>.metrics.json``.

The file is the input of CloudWatch ``PutMetricData`` without ``Namespace`` and ``Timestamp``
(the publisher adds both)::

    {"MetricData": [{"MetricName": "SilverRows",
                     "Dimensions": [{"Name": "Job", "Value": "bronze_to_silver"},
                                    {"Name": "Dataset", "Value": "prices"}],
                     "Value": 11138166, "Unit": "Count"}, ...]}

One item per metric and dataset, with the run's totals (never per day), so it stays a few KB
and far below PutMetricData's 1000 items.
"""

from typing import Callable, NamedTuple

COUNT = "Count"
PERCENT = "Percent"

BRONZE_TO_SILVER = "bronze_to_silver"
SILVER_TO_GOLD = "silver_to_gold"
_BRONZE = ("prices", "news")
_GOLD = ("daily_prices", "sentiment_daily", "correlations")


def _share(totals: dict) -> float:
    lines = totals["non_blank_lines"]
    return round(100.0 * totals["quarantined_rows"] / lines, 6) if lines else 0.0


class Metric(NamedTuple):
    name: str
    job: str
    datasets: "tuple[str, ...]"
    unit: str
    description: str
    # The value, from the run summary's totals for one dataset (summary[dataset]).
    value: "Callable[[dict], float]"


METRICS = (
    Metric(
        "BronzeLines",
        BRONZE_TO_SILVER,
        _BRONZE,
        COUNT,
        "Non-blank Bronze lines read (the records; blank lines are not records).",
        lambda t: t["non_blank_lines"],
    ),
    Metric(
        "SilverRows",
        BRONZE_TO_SILVER,
        _BRONZE,
        COUNT,
        "Silver rows written, counted from the written files.",
        lambda t: t["silver_rows"],
    ),
    Metric(
        "QuarantinedRows",
        BRONZE_TO_SILVER,
        _BRONZE,
        COUNT,
        "Rows written to quarantine with their reasons, counted from the written files.",
        lambda t: t["quarantined_rows"],
    ),
    Metric(
        "QuarantineSharePercent",
        BRONZE_TO_SILVER,
        _BRONZE,
        PERCENT,
        "100 x quarantined rows / non-blank Bronze lines (0 when there are no lines), "
        "rounded to 6 decimals.",
        _share,
    ),
    Metric(
        "ExactDuplicates",
        BRONZE_TO_SILVER,
        _BRONZE,
        COUNT,
        "Exact duplicates dropped (and counted): the same line, or the same values written "
        "differently.",
        lambda t: t["exact_duplicates_dropped"],
    ),
    Metric(
        "InvariantViolations",
        BRONZE_TO_SILVER,
        _BRONZE,
        COUNT,
        "0 when non-blank lines = Silver rows + quarantined rows + exact duplicates held for "
        "every day of the run, 1 otherwise (the run then fails after writing its metrics).",
        lambda t: 0 if t["invariant_holds"] else 1,
    ),
    Metric(
        "GoldRows",
        SILVER_TO_GOLD,
        _GOLD,
        COUNT,
        "Rows written to the Gold table by the run, over every day it rewrote.",
        lambda t: t["rows"],
    ),
)


def metric_data(job: str, summary: dict) -> dict:
    """The ``{"MetricData": [...]}`` document of a run, from its run summary."""
    data = []
    for metric in METRICS:
        if metric.job != job:
            continue
        for dataset in metric.datasets:
            data.append(
                {
                    "MetricName": metric.name,
                    "Dimensions": [
                        {"Name": "Job", "Value": job},
                        {"Name": "Dataset", "Value": dataset},
                    ],
                    "Value": metric.value(summary[dataset]),
                    "Unit": metric.unit,
                }
            )
    if not data:
        raise ValueError(f"no metrics are defined for job {job!r}")
    return {"MetricData": data}
