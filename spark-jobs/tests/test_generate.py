"""The generator: layout, determinism, realism of prices, volume and news, and its defects."""

import datetime as dt
import json
import math
import statistics
from pathlib import Path

import pytest

from marketpulse_jobs import generate as G

SYMBOLS = ("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META")


def files_of(root: Path, dataset: str, day=None):
    """{relative path: bytes} of a dataset's Bronze files (one day, or all)."""
    base = root / dataset
    pattern = f"date={day.isoformat()}/hour=*/*.jsonl" if day else "date=*/hour=*/*.jsonl"
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.glob(pattern))}


def lines_of(root: Path, dataset: str):
    return [
        line
        for content in files_of(root, dataset).values()
        for line in content.decode().split("\n")[:-1]
    ]


@pytest.fixture(scope="module")
def clean(generated_bronze):
    """The session's generated Bronze (conftest.py): 5 trading days, 6 symbols, 25% defects."""
    return generated_bronze.root, generated_bronze.summary


def test_layout_is_24_hourly_partitions_per_trading_day(clean):
    root, summary = clean
    days = sorted(p.name for p in (root / "prices").glob("date=*"))
    assert days == [f"date=2024-01-0{d}" for d in (2, 3, 4, 5, 8)]
    assert summary["trading_days"] == 5
    assert summary["symbols"] == list(SYMBOLS)
    for day in (root / "prices").glob("date=*"):
        hours = sorted(p.name for p in day.iterdir())
        assert hours == [f"hour={h:02d}" for h in range(24)]
        assert all(len(list(h.glob("*.jsonl"))) == 1 for h in day.iterdir())
    assert summary["prices"]["records"] == 5 * 24 * 6 * 4
    assert summary["prices"]["files"] == 5 * 24


def test_summary_counts_match_the_files(clean):
    root, summary = clean
    for dataset in ("prices", "news"):
        lines = lines_of(root, dataset)
        assert summary[dataset]["non_blank_lines"] == sum(1 for x in lines if x.strip())
        assert summary[dataset]["blank_lines"] == sum(1 for x in lines if not x.strip())
        assert summary[dataset]["bytes"] == sum(map(len, files_of(root, dataset).values()))


def test_the_same_seed_gives_byte_identical_files_whatever_the_range(
    spark, generated_bronze, tmp_path
):
    g = generated_bronze
    middle = dt.date(2024, 1, 4)
    G.run(spark, [middle], g.symbols, g.seed, tmp_path.as_uri(), g.ticks_per_hour, g.defect_rate)
    for dataset in ("prices", "news"):
        again = files_of(tmp_path, dataset)
        assert again, dataset
        assert again == files_of(g.root, dataset, middle)


def pearson(xs, ys):
    mx, my = statistics.mean(xs), statistics.mean(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    return cov / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))


def _ticks(root):
    """The ticks that are not defects (nor the losing side of a conflicting duplicate)."""
    ticks = {}
    for path, content in files_of(root, "prices").items():
        for line in content.decode().splitlines():
            if _is_clean_tick(line) and json.loads(line)["ts"][:10] == path[5:15]:
                t = json.loads(line)
                ticks.setdefault((t["symbol"], t["ts"]), t)
    return list(ticks.values())


def _is_clean_tick(line):
    try:
        t = json.loads(line)
    except ValueError:
        return False
    return (
        set(t) == {"symbol", "ts", "price", "volume", "source"}
        and isinstance(t["price"], float)
        and math.isfinite(t["price"])
        and t["price"] > 0
        and isinstance(t["volume"], int)
        and t["volume"] >= 0
        and t["symbol"].isupper()
        and "T25" not in t["ts"]
    )


def test_prices_move_like_a_continuous_random_walk(clean):
    root, _ = clean
    by_symbol = {}
    for t in sorted(_ticks(root), key=lambda t: (t["symbol"], t["ts"])):
        by_symbol.setdefault(t["symbol"], []).append(t["price"])
    assert set(by_symbol) == set(SYMBOLS)
    for prices in by_symbol.values():
        steps = [math.log(b / a) for a, b in zip(prices, prices[1:])]
        # Continuous: no jumps between ticks (including overnight), but it does move.
        assert max(abs(s) for s in steps) < 0.05
        assert statistics.pstdev(steps) > 0
        assert len(set(prices)) > len(prices) // 2


def test_volume_is_u_shaped_over_the_session(clean):
    root, _ = clean
    by_hour = {}
    for t in _ticks(root):
        by_hour.setdefault(int(t["ts"][11:13]), []).append(t["volume"])
    mean = {h: statistics.mean(v) for h, v in by_hour.items()}
    assert mean[14] > mean[17] < mean[20]  # open and close hours heavier than midday
    assert mean[17] > mean[3]  # the session heavier than overnight


def test_news_sentiment_correlates_with_the_days_return(clean):
    root, _ = clean
    close = {}
    for t in sorted(_ticks(root), key=lambda t: t["ts"]):
        close[(t["symbol"], t["ts"][:10])] = t["price"]
    days = sorted({d for _, d in close})
    returns = {
        (s, d): math.log(close[(s, d)] / close[(s, p)])
        for s in SYMBOLS
        for p, d in zip(days, days[1:])
    }
    pairs = []
    for line in lines_of(root, "news"):
        try:
            article = json.loads(line)
            key = (article["symbols"][0], article["ts"][:10])
            pairs.append((article["sentiment"], returns[key]))
        except (ValueError, KeyError, TypeError, IndexError):
            continue  # a defect, or the first day (no return yet)
    assert len(pairs) > 15
    sentiment, ret = zip(*pairs)
    assert pearson(sentiment, ret) > 0.5
    assert all(-1 <= s <= 1 for s in sentiment)


def test_every_defect_kind_is_produced(spark, tmp_path):
    root = tmp_path
    summary = G.run(spark, [dt.date(2024, 1, 2), dt.date(2024, 1, 4)], 20, 5, root.as_uri(), 1, 1.0)
    for dataset, kinds in (("prices", G.PRICE_DEFECTS), ("news", G.NEWS_DEFECTS)):
        found = summary[dataset]["defects"]
        assert set(found) == set(kinds)
        assert all(n > 0 for n in found.values()), found
        assert sum(found.values()) == summary[dataset]["records"]
        lines = lines_of(root, dataset)
        assert summary[dataset]["non_blank_lines"] == sum(1 for x in lines if x.strip())
        assert summary[dataset]["blank_lines"] == found["blank_line"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2024-13-01"], "invalid date '2024-13-01'"),
        (["--date", "2024-01-02", "--bronze", "gs://b/x"], "unsupported URI scheme 'gs'"),
        (["--date", "2024-01-02", "--defect-rate", "1.5"], "expected a rate between 0 and 1"),
        (["--date", "2024-01-02", "--symbols", "0"], "expected a positive integer"),
        (["--date", "2024-01-06"], "no trading days"),
        (["--start", "2024-01-06", "--end", "2024-01-05"], "is before --start"),
    ],
)
def test_cli_mistakes_give_one_line_and_exit_code_2(spark, tmp_path, capsys, args, message):
    defaults = {"--symbols": "2", "--seed": "1", "--bronze": str(tmp_path)}
    argv = list(args)
    for flag, value in defaults.items():
        if flag not in argv:
            argv += [flag, value]
    assert G.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("generate: error: ")
    assert message in err
    assert not list(tmp_path.iterdir())


def test_cli_writes_the_summary_next_to_the_data(spark, tmp_path, capsys):
    argv = ["--date", "2024-01-03", "--symbols", "1", "--seed", "3", "--bronze", str(tmp_path)]
    assert G.main([*argv, "--ticks-per-hour", "1"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    written = json.loads((tmp_path / "_runs/generate/2024-01-03.json").read_text())
    assert printed == written
    assert written["prices"]["records"] == 24
