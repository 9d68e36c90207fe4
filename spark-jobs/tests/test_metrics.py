"""The per-run metrics files, from real runs: generated dirty Bronze through bronze_to_silver and
silver_to_gold. Their values are the run summaries' totals, every metric is declared in the
contract, and each file is valid CloudWatch PutMetricData input once a namespace is added."""

import json

import pytest
from botocore.session import get_session
from botocore.validate import ParamValidator

from marketpulse_jobs import bronze_to_silver as B2S
from marketpulse_jobs import contract
from marketpulse_jobs import silver_to_gold as S2G

LABEL = "2024-01-02_2024-01-08"
BRONZE_DATASETS = ("prices", "news")
GOLD_TABLES = ("daily_prices", "sentiment_daily", "correlations")


def load(path):
    return json.loads(path.read_text())


def by_metric(doc):
    """{(metric, dataset): item} of a metrics file, checking each item's dimensions on the way."""
    found = {}
    for item in doc["MetricData"]:
        dims = item["Dimensions"]
        assert [d["Name"] for d in dims] == ["Job", "Dataset"]
        key = (item["MetricName"], dims[1]["Value"])
        assert key not in found, key
        found[key] = item
    return found


@pytest.fixture(scope="module")
def runs(dirty, tmp_path_factory):
    """bronze_to_silver's run (the shared dirty fixture) and silver_to_gold over its Silver."""
    _, silver, _, _, b2s_summary = dirty
    gold = tmp_path_factory.mktemp("metrics") / "gold"
    argv = ["--start", "2024-01-02", "--end", "2024-01-08", "--silver", str(silver)]
    assert S2G.main([*argv, "--gold", str(gold)]) == 0
    s2g_summary = load(gold / "_runs" / "silver_to_gold" / f"{LABEL}.json")
    return {
        "bronze_to_silver": (b2s_summary, silver / "_runs" / "bronze_to_silver"),
        "silver_to_gold": (s2g_summary, gold / "_runs" / "silver_to_gold"),
    }


@pytest.mark.parametrize("job", ["bronze_to_silver", "silver_to_gold"])
def test_the_metrics_file_sits_beside_the_summary_and_is_named_in_it(runs, job):
    summary, folder = runs[job]
    path = folder / f"{LABEL}.metrics.json"
    assert path.is_file()
    assert summary["metrics_uri"] == path.as_uri()
    assert sorted(p.name for p in folder.iterdir()) == [f"{LABEL}.json", f"{LABEL}.metrics.json"]


def test_bronze_to_silver_metrics_are_the_summary_totals(runs):
    summary, folder = runs["bronze_to_silver"]
    got = by_metric(load(folder / f"{LABEL}.metrics.json"))
    assert len(got) == 6 * len(BRONZE_DATASETS)
    for ds in BRONZE_DATASETS:
        totals = summary[ds]
        assert totals["quarantined_rows"] > 0  # 25% defects: a real share to compute
        values = {name: got[(name, ds)]["Value"] for name, d in got if d == ds}
        assert values == {
            "BronzeLines": totals["non_blank_lines"],
            "SilverRows": totals["silver_rows"],
            "QuarantinedRows": totals["quarantined_rows"],
            "QuarantineSharePercent": pytest.approx(
                100.0 * totals["quarantined_rows"] / totals["non_blank_lines"], abs=1e-6
            ),
            "ExactDuplicates": totals["exact_duplicates_dropped"],
            "InvariantViolations": 0,
        }
        assert got[("QuarantineSharePercent", ds)]["Unit"] == "Percent"
        assert {got[(n, ds)]["Unit"] for n in values if n != "QuarantineSharePercent"} == {"Count"}


def test_silver_to_gold_metrics_are_the_rows_written(spark, runs):
    summary, folder = runs["silver_to_gold"]
    got = by_metric(load(folder / f"{LABEL}.metrics.json"))
    assert set(got) == {("GoldRows", t) for t in GOLD_TABLES}
    gold = folder.parent.parent
    for table in GOLD_TABLES:
        written = spark.read.parquet(str(gold / table)).count()
        assert got[("GoldRows", table)]["Value"] == summary[table]["rows"] == written > 0
        assert got[("GoldRows", table)]["Unit"] == "Count"


@pytest.mark.parametrize("job", ["bronze_to_silver", "silver_to_gold"])
def test_every_emitted_metric_is_declared_in_the_contract(runs, job):
    _, folder = runs[job]
    declared = {
        (m["name"], ds): m["unit"]
        for m in json.loads(contract.CONTRACT_FILE.read_text())["metrics"]
        if m["job"] == job
        for ds in m["datasets"]
    }
    items = load(folder / f"{LABEL}.metrics.json")["MetricData"]
    emitted = {(i["MetricName"], i["Dimensions"][1]["Value"]): i["Unit"] for i in items}
    assert emitted == declared
    assert {i["Dimensions"][0]["Value"] for i in items} == {job}


@pytest.mark.parametrize("job", ["bronze_to_silver", "silver_to_gold"])
def test_the_metrics_file_is_put_metric_data_input(runs, job):
    _, folder = runs[job]
    path = folder / f"{LABEL}.metrics.json"
    doc = load(path)
    assert list(doc) == ["MetricData"]  # no Namespace: the publisher adds it
    assert 0 < len(doc["MetricData"]) <= 1000
    assert path.stat().st_size < 64 * 1024
    for item in doc["MetricData"]:
        assert set(item) == {"MetricName", "Dimensions", "Value", "Unit"}  # no Timestamp
    shape = get_session().get_service_model("cloudwatch").operation_model("PutMetricData")
    report = ParamValidator().validate({"Namespace": "MarketPulse/Lake", **doc}, shape.input_shape)
    assert not report.has_errors(), report.generate_report()


def test_a_failed_invariant_still_writes_summary_and_metrics(spark, tmp_path, monkeypatch):
    bronze = tmp_path / "bronze" / "prices" / "date=2024-01-02" / "hour=14"
    bronze.mkdir(parents=True)
    tick = {"symbol": "AAA", "ts": "2024-01-02T14:30:00Z", "price": 1.5, "volume": 3}
    lines = [json.dumps(dict(tick, source="x")), json.dumps(dict(tick, source="y")), "junk"]
    (bronze / "part-00000.jsonl").write_text("\n".join(lines) + "\n")
    real = B2S._rows_written

    def one_row_lost(spark, roots, days):  # as if a Silver row went missing on write
        counts = real(spark, roots, days)
        return {k: n - 1 if k[0] == "silver_rows" else n for k, n in counts.items()}

    monkeypatch.setattr(B2S, "_rows_written", one_row_lost)
    argv = ["--date", "2024-01-02", "--bronze", str(tmp_path / "bronze")]
    argv += ["--silver", str(tmp_path / "silver"), "--quarantine", str(tmp_path / "q")]
    with pytest.raises(RuntimeError, match="conservation invariant violated"):
        B2S.main(argv)
    runs_dir = tmp_path / "silver" / "_runs" / "bronze_to_silver"
    summary = load(runs_dir / "2024-01-02.json")
    assert summary["invariant_holds"] is False
    got = by_metric(load(runs_dir / "2024-01-02.metrics.json"))
    assert got[("InvariantViolations", "prices")]["Value"] == 1
    assert got[("SilverRows", "prices")]["Value"] == 1  # 2 written, 1 counted
    assert got[("BronzeLines", "prices")]["Value"] == 3
    assert got[("QuarantineSharePercent", "prices")]["Value"] == pytest.approx(100 / 3, abs=1e-6)
    assert got[("BronzeLines", "news")]["Value"] == 0
    assert got[("QuarantineSharePercent", "news")]["Value"] == 0


def test_the_written_files_have_the_contract_columns(spark, dirty, runs):
    """What a Glue table made from contract.json reads: every dataset's Parquet files hold the
    contract's columns, in its order, with its types, and the partition key in the path."""
    _, silver, quarantine, _, _ = dirty
    roots = {"silver": silver, "quarantine": quarantine}
    roots["gold"] = runs["silver_to_gold"][1].parent.parent
    for entry in json.loads(contract.CONTRACT_FILE.read_text())["datasets"]:
        folder = roots[entry["root"]] / entry["path"]
        files = sorted(folder.glob("trade_date=*/*.parquet"))
        assert files, entry["name"]
        in_files = spark.read.parquet(*[str(f) for f in files]).schema  # no partition column
        expected = [(c["name"], c["type"]) for c in entry["columns"]]
        assert [(f.name, f.dataType.simpleString()) for f in in_files] == expected, entry["name"]


def test_a_run_that_fails_before_its_metrics_leaves_no_earlier_file(spark, tmp_path, monkeypatch):
    """The pipeline publishes a failed run's metrics file: an earlier run's must not pass for it."""
    bronze = tmp_path / "bronze" / "prices" / "date=2024-01-02" / "hour=14"
    bronze.mkdir(parents=True)
    tick = {"symbol": "AAA", "ts": "2024-01-02T14:30:00Z", "price": 1.5, "volume": 3, "source": "x"}
    (bronze / "part-00000.jsonl").write_text(json.dumps(tick) + "\n")
    argv = ["--date", "2024-01-02", "--bronze", str(tmp_path / "bronze")]
    argv += ["--silver", str(tmp_path / "silver"), "--quarantine", str(tmp_path / "q")]
    assert B2S.main(argv) == 0
    stale = tmp_path / "silver" / "_runs" / "bronze_to_silver" / "2024-01-02.metrics.json"
    assert stale.is_file()

    def crash(*_args, **_kwargs):  # as if the job died mid-run
        raise RuntimeError("executor lost")

    monkeypatch.setattr(B2S, "run", crash)
    with pytest.raises(RuntimeError, match="executor lost"):
        B2S.main(argv)
    assert not stale.exists()
