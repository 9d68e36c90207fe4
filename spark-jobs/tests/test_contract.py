"""spark-jobs/contract.json: up to date with schemas.py and metrics.py, and in the agreed shape."""

import json
import re

from marketpulse_jobs import contract, metrics, schemas

EXPECTED_DATASETS = [
    ("prices", "silver", "prices"),
    ("news", "silver", "news"),
    ("quarantine_prices", "quarantine", "prices"),
    ("quarantine_news", "quarantine", "news"),
    ("daily_prices", "gold", "daily_prices"),
    ("sentiment_daily", "gold", "sentiment_daily"),
    ("correlations", "gold", "correlations"),
]
HIVE_TYPE = re.compile(r"string|timestamp|double|bigint|int|date|boolean|array<string>")


def test_the_checked_in_contract_is_up_to_date():
    checked_in = contract.CONTRACT_FILE.read_text()
    assert checked_in == contract.render(), (
        f"{contract.CONTRACT_FILE} differs from schemas.py/metrics.py: run "
        "`bash spark-jobs/scripts/export_contract.sh` "
        "(= cd spark-jobs && python -m marketpulse_jobs.contract --write) and commit the result"
    )


def test_the_contract_lists_every_dataset_with_its_columns_in_schema_order():
    doc = json.loads(contract.render())
    assert list(doc) == ["//", "datasets", "metrics"]
    assert "Do not edit" in doc["//"] and "python -m marketpulse_jobs.contract --write" in doc["//"]
    got = [(d["name"], d["root"], d["path"]) for d in doc["datasets"]]
    assert got == EXPECTED_DATASETS
    for entry, dataset in zip(doc["datasets"], schemas.LAKE_DATASETS):
        assert list(entry) == ["name", "root", "path", "description", "columns", "partition_keys"]
        assert entry["description"].endswith(".")
        assert entry["partition_keys"] == [{"name": "trade_date", "type": "date"}]
        names = [c["name"] for c in entry["columns"]]
        assert "trade_date" not in names
        assert names == [n for n in dataset.schema.names if n != "trade_date"]
        assert all(HIVE_TYPE.fullmatch(c["type"]) for c in entry["columns"]), entry["columns"]
    prices = doc["datasets"][0]["columns"]
    assert prices == [
        {"name": "symbol", "type": "string"},
        {"name": "ts", "type": "timestamp"},
        {"name": "price", "type": "double"},
        {"name": "volume", "type": "bigint"},
        {"name": "source", "type": "string"},
    ]
    quarantine = {c["name"]: c["type"] for c in doc["datasets"][2]["columns"]}
    assert quarantine["_errors"] == "array<string>" and quarantine["price"] == "string"


def test_the_contract_lists_every_metric_on_datasets_it_declares():
    doc = json.loads(contract.render())
    names = {d["name"] for d in doc["datasets"]}
    assert [m["name"] for m in doc["metrics"]] == [m.name for m in metrics.METRICS]
    by_job = {}
    for m in doc["metrics"]:
        assert list(m) == ["name", "job", "datasets", "unit", "description"]
        assert m["unit"] in ("Count", "Percent")
        assert set(m["datasets"]) <= names
        by_job.setdefault(m["job"], set()).add(m["name"])
    assert by_job == {
        "bronze_to_silver": {
            "BronzeLines",
            "SilverRows",
            "QuarantinedRows",
            "QuarantineSharePercent",
            "ExactDuplicates",
            "InvariantViolations",
        },
        "silver_to_gold": {"GoldRows"},
    }


def test_check_mode_reports_a_stale_file(tmp_path, monkeypatch, capsys):
    assert contract.main(["--check"]) == 0
    stale = tmp_path / "contract.json"
    stale.write_text("{}\n")
    monkeypatch.setattr(contract, "CONTRACT_FILE", stale)
    assert contract.main(["--check"]) == 1
    assert "python -m marketpulse_jobs.contract --write" in capsys.readouterr().err
    assert contract.main(["--write"]) == 0
    assert stale.read_text() == contract.render()
