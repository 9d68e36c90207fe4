"""bronze_to_gold: both ETL jobs in one Spark application, with exactly the outputs, summaries
and metrics files of the two jobs run one after the other."""

import json

from marketpulse_jobs import bronze_to_gold as B2G
from marketpulse_jobs import silver_to_gold as S2G

RANGE = ["--start", "2024-01-02", "--end", "2024-01-08"]
LABEL = "2024-01-02_2024-01-08"
TABLES = {
    "silver": ("prices", "news"),
    "quarantine": ("prices", "news"),
    "gold": ("daily_prices", "sentiment_daily", "correlations"),
}
# What differs between two runs of the same work: where they wrote, and how long they took.
RUN_SPECIFIC = {
    *("bronze", "silver", "quarantine", "gold"),
    *("elapsed_seconds", "summary_uri", "metrics_uri"),
}


def _rows(spark, root):
    df = spark.read.parquet(str(root))
    return df.columns, sorted(df.collect(), key=repr)


def _same_work(summary):
    return {k: v for k, v in summary.items() if k not in RUN_SPECIFIC}


def test_the_outputs_are_those_of_the_two_jobs_run_one_after_the_other(
    spark, dirty, tmp_path, capsys
):
    bronze, silver, quarantine, _, b2s_alone = dirty
    alone = {"silver": silver, "quarantine": quarantine, "gold": tmp_path / "gold_alone"}
    assert S2G.main([*RANGE, "--silver", str(silver), "--gold", str(alone["gold"])]) == 0
    s2g_alone = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    together = {layer: tmp_path / "together" / layer for layer in TABLES}
    argv = [*RANGE, "--bronze", str(bronze)]
    for layer, root in together.items():
        argv += [f"--{layer}", str(root)]
    assert B2G.main(argv) == 0

    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [s["job"] for s in printed] == ["bronze_to_silver", "silver_to_gold"]
    assert _same_work(printed[0]) == _same_work(b2s_alone)
    assert _same_work(printed[1]) == _same_work(s2g_alone)
    for layer, datasets in TABLES.items():
        for dataset in datasets:
            assert _rows(spark, together[layer] / dataset) == _rows(
                spark, alone[layer] / dataset
            ), (layer, dataset)
    for layer, job in (("silver", "bronze_to_silver"), ("gold", "silver_to_gold")):
        written, expected = [
            json.loads((roots[layer] / "_runs" / job / f"{LABEL}.metrics.json").read_text())
            for roots in (together, alone)
        ]
        assert written == expected and len(written) > 0, job


def test_a_failed_bronze_to_silver_stops_the_run_and_leaves_no_stale_gold_metrics(
    spark, tmp_path, capsys
):
    # An earlier run's Gold metrics for the same day: the pipeline publishes the metrics files
    # of a failed run, so one this run did not write must not be there.
    gold = tmp_path / "gold"
    stale = gold / "_runs" / "silver_to_gold" / "2024-01-02.metrics.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("[]\n")
    (tmp_path / "bronze").mkdir()
    argv = ["--date", "2024-01-02", "--bronze", str(tmp_path / "bronze")]
    argv += ["--silver", str(tmp_path / "silver"), "--quarantine", str(tmp_path / "q")]
    assert B2G.main([*argv, "--gold", str(gold)]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("bronze_to_gold: error: no Bronze input under ")
    assert not stale.exists()
    assert sorted(p.name for p in gold.iterdir()) == ["_runs"]
