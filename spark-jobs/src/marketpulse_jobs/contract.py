"""The lake contract as JSON, for the infrastructure side (Glue tables, CloudWatch alarms).

    python -m marketpulse_jobs.contract            print it
    python -m marketpulse_jobs.contract --write    (re)write spark-jobs/contract.json
    python -m marketpulse_jobs.contract --check    exit 1 when contract.json is out of date

Rendered from ``schemas.LAKE_DATASETS`` (every dataset the jobs write, with its schema) and
``metrics.METRICS`` (every per-run metric), so nothing is written down twice. Column types are
Hive/Glue type strings (Spark's ``DataType.simpleString()``); partition keys are listed apart
from the columns, as a Glue table has them.
"""

import json
import sys
from pathlib import Path

from marketpulse_jobs import metrics, runtime, schemas

JOB = "contract"
# spark-jobs/contract.json (this file is spark-jobs/src/marketpulse_jobs/contract.py).
CONTRACT_FILE = Path(__file__).resolve().parents[2] / "contract.json"
WRITE_COMMAND = "python -m marketpulse_jobs.contract --write"
GENERATED_NOTE = (
    f"Generated from spark-jobs/src/marketpulse_jobs/schemas.py by `{WRITE_COMMAND}`. Do not edit."
)


def _column(field) -> dict:
    column = {"name": field.name, "type": field.dataType.simpleString()}
    if field.metadata.get("comment"):
        column["comment"] = field.metadata["comment"]
    return column


def _dataset(dataset: schemas.Dataset) -> dict:
    by_name = {f.name: f for f in dataset.schema.fields}
    return {
        "name": dataset.name,
        "root": dataset.root,
        "path": dataset.path,
        "description": dataset.description,
        "columns": [
            _column(f) for f in dataset.schema.fields if f.name not in dataset.partition_keys
        ],
        "partition_keys": [_column(by_name[key]) for key in dataset.partition_keys],
    }


def _metric(metric: metrics.Metric) -> dict:
    return {
        "name": metric.name,
        "job": metric.job,
        "datasets": list(metric.datasets),
        "unit": metric.unit,
        "description": metric.description,
    }


def contract() -> dict:
    """The contract document."""
    return {
        "//": GENERATED_NOTE,
        "datasets": [_dataset(d) for d in schemas.LAKE_DATASETS],
        "metrics": [_metric(m) for m in metrics.METRICS],
    }


def _flat(value) -> bool:
    items = value.values() if isinstance(value, dict) else value
    return all(not isinstance(v, (dict, list)) for v in items)


def _dump(value, indent: str = "") -> str:
    """JSON with two-space indents, except that a list or object holding no list or object is
    written on one line (a column, a list of dataset names): short, and easy to diff."""
    if not isinstance(value, (dict, list)) or _flat(value):
        return json.dumps(value, ensure_ascii=False)
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {_dump(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    items = [inner + _dump(v, inner) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + indent + "]"


def render() -> str:
    """The contract as the text of contract.json."""
    return _dump(contract()) + "\n"


def _main(argv=None) -> int:
    parser = runtime.job_parser(JOB, __doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help=f"(re)write {CONTRACT_FILE.name}")
    mode.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        CONTRACT_FILE.write_text(text)
        print(f"wrote {CONTRACT_FILE}")
    elif args.check:
        if not CONTRACT_FILE.is_file() or CONTRACT_FILE.read_text() != text:
            print(f"{CONTRACT_FILE} is out of date: run `{WRITE_COMMAND}`", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0


main = runtime.run_main(_main)

if __name__ == "__main__":
    raise SystemExit(main())
