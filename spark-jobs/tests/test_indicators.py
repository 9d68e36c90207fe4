"""Indicators against published worked examples, hand-worked cases and a plain-Python reference.

Published examples (StockCharts ChartSchool spreadsheets): the Intel 10-day SMA/EMA table, the
SPY Bollinger Bands (20, 2) table, and the QQQQ 14-day RSI table, which reproduces Wilder's
worked example from New Concepts in Technical Trading Systems (1978). The SMA/EMA and
Bollinger tables print closes and results to cents while computing from unrounded closes, so
those agree to 0.01; the RSI table prints its closes to four decimals, so it agrees to its
printed rounding.
"""

import datetime as dt
import math
import random

import pytest

from marketpulse_jobs import schemas
from marketpulse_jobs.transforms import indicators as ind

D0 = dt.date(2024, 1, 1)
PRINTED_CENTS = 0.0101  # 0.005 from the rounded printed closes + 0.005 from the printed result

INTC = [22.27, 22.19, 22.08, 22.17, 22.18, 22.13, 22.23, 22.43, 22.24, 22.29, 22.15, 22.39, 22.38,
        22.61, 23.36, 24.05, 23.75, 23.83, 23.95, 23.63, 23.82, 23.87, 23.65, 23.19, 23.10, 23.33,
        22.68, 23.10, 22.40, 22.17]  # fmt: skip
INTC_SMA_10 = [22.22, 22.21, 22.23, 22.26, 22.31, 22.42, 22.61, 22.77, 22.91, 23.08, 23.21, 23.38,
               23.53, 23.65, 23.71, 23.69, 23.61, 23.51, 23.43, 23.28, 23.13]  # fmt: skip
INTC_EMA_10 = [22.22, 22.21, 22.24, 22.27, 22.33, 22.52, 22.80, 22.97, 23.13, 23.28, 23.34, 23.43,
               23.51, 23.54, 23.47, 23.40, 23.39, 23.26, 23.23, 23.08, 22.92]  # fmt: skip

SPY = [86.16, 89.09, 88.78, 90.32, 89.07, 91.15, 89.44, 89.18, 86.93, 87.68, 86.96, 89.43, 89.32,
       88.72, 87.45, 87.26, 89.50, 87.90, 89.13, 90.70, 92.90, 92.98, 91.80, 92.66, 92.68, 92.30,
       92.77, 92.54, 92.95, 93.20, 91.07, 89.83, 89.74, 90.40, 90.74, 88.02, 88.09, 88.84, 90.78,
       90.54, 91.39, 90.65]  # fmt: skip
SPY_BB_MID = [
    88.71, 89.05, 89.24, 89.39, 89.51, 89.69, 89.75, 89.91, 90.08, 90.38, 90.66,
    90.86, 90.88, 90.90, 90.99, 91.15, 91.19, 91.12, 91.17, 91.25, 91.24, 91.17,
    91.05,
]  # fmt: skip
SPY_BB_UPPER = [
    91.29, 91.95, 92.61, 92.93, 93.31, 93.73, 93.90, 94.26, 94.56, 94.79, 95.04,
    94.91, 94.90, 94.89, 94.86, 94.67, 94.55, 94.68, 94.57, 94.53, 94.53, 94.37,
    94.15,
]  # fmt: skip
SPY_BB_LOWER = [
    86.13, 86.14, 85.87, 85.85, 85.70, 85.65, 85.59, 85.56, 85.60, 85.98, 86.27,
    86.82, 86.86, 86.91, 87.12, 87.63, 87.83, 87.56, 87.76, 87.97, 87.95, 87.96,
    87.95,
]  # fmt: skip

QQQQ = [44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826,
        45.8931, 46.0328, 45.6140, 46.2820, 46.2820, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439,
        46.2122, 46.2521, 45.7137, 46.4515, 45.7835, 45.3548, 44.0288, 44.1783, 44.2181, 44.5672,
        43.4205, 42.6628, 43.1314]  # fmt: skip
QQQQ_RSI_14 = [70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42,
               39.99, 41.46, 41.87, 45.46, 37.30, 33.08, 37.77]  # fmt: skip


# --- plain-Python reference implementations, written from the definitions ---------------------


def ref_sma(xs, n):
    return [None if i < n - 1 else sum(xs[i - n + 1 : i + 1]) / n for i in range(len(xs))]


def ref_seeded(xs, n, step):
    """None until n non-None values; then their mean; then step(prev, x). None stays None."""
    out, seen, prev = [], [], None
    for x in xs:
        if x is None:
            out.append(None)
            continue
        if len(seen) < n:
            seen.append(x)
            prev = sum(seen) / n if len(seen) == n else None
        else:
            prev = step(prev, x)
        out.append(prev)
    return out


def ref_ema(xs, n):
    k = 2.0 / (n + 1)
    return ref_seeded(xs, n, lambda prev, x: (x - prev) * k + prev)


def ref_macd(closes):
    fast, slow = ref_ema(closes, 12), ref_ema(closes, 26)
    line = [None if a is None or b is None else a - b for a, b in zip(fast, slow)]
    signal = ref_ema(line, 9)
    hist = [None if a is None or b is None else a - b for a, b in zip(line, signal)]
    return line, signal, hist


def ref_rsi(closes, n=14):
    changes = [None] + [b - a for a, b in zip(closes, closes[1:])]
    gains = [None if c is None else max(c, 0.0) for c in changes]
    losses = [None if c is None else max(-c, 0.0) for c in changes]

    def wilder(prev, x):
        return (prev * (n - 1) + x) / n

    out = []
    for g, lo in zip(ref_seeded(gains, n, wilder), ref_seeded(losses, n, wilder)):
        if g is None:
            out.append(None)
        else:
            out.append(100.0 if lo == 0 else 100.0 - 100.0 / (1.0 + g / lo))
    return out


def ref_bollinger(xs, n=20, width=2.0):
    mids, uppers, lowers = [], [], []
    for i in range(len(xs)):
        if i < n - 1:
            mids.append(None), uppers.append(None), lowers.append(None)
            continue
        window = xs[i - n + 1 : i + 1]
        mean = sum(window) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in window) / n)  # population
        mids.append(mean), uppers.append(mean + width * sd), lowers.append(mean - width * sd)
    return mids, uppers, lowers


def ref_returns(closes):
    return [None] + [b / a - 1.0 for a, b in zip(closes, closes[1:])]


def ref_zscore(returns, n=20):
    out = []
    for i, r in enumerate(returns):
        previous = [x for x in returns[max(0, i - n) : i] if x is not None]
        if r is None or len(previous) < n:
            out.append(None)
            continue
        mean = sum(previous) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in previous) / (n - 1))  # sample
        out.append(None if sd == 0 else (r - mean) / sd)
    return out


# --- helpers --------------------------------------------------------------------------------


def daily_frame(spark, series, shuffle_seed=None):
    """{symbol: closes} -> a daily OHLCV frame, one row per consecutive day from D0."""
    rows = [
        (sym, D0 + dt.timedelta(days=i), c, c, c, c, 1000, c)
        for sym, closes in series.items()
        for i, c in enumerate(closes)
    ]
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(rows)
    schema = (
        "symbol string, trade_date date, open double, high double, low double, close double, "
        "volume long, vwap double"
    )
    return spark.createDataFrame(rows, schema).repartition(3)


class Columns:
    """A small frame collected once: ``cols[name]`` is column ``name`` of one symbol by date."""

    def __init__(self, df, symbol="A"):
        self.rows = {}
        for row in df.collect():
            self.rows.setdefault(row["symbol"], []).append(row)
        for rows in self.rows.values():
            rows.sort(key=lambda r: r["trade_date"])
        self.symbol = symbol

    def of(self, symbol):
        other = Columns.__new__(Columns)
        other.rows, other.symbol = self.rows, symbol
        return other

    def __getitem__(self, name):
        return [r[name] for r in self.rows[self.symbol]]


def assert_series(actual, expected, tol=1e-9):
    assert len(actual) == len(expected)
    for i, (a, e) in enumerate(zip(actual, expected)):
        if e is None:
            assert a is None, f"row {i}: expected null, got {a}"
        else:
            assert a is not None and a == pytest.approx(e, rel=tol, abs=tol), f"row {i}: {a} != {e}"


def random_walk(seed, n, start=100.0):
    rng = random.Random(seed)
    closes, price = [], start
    for _ in range(n):
        price *= math.exp(rng.gauss(0.0, 0.02))
        closes.append(round(price, 4))
    return closes


def zscore_closes():
    """21 closes alternating +1% / -1% returns, then a +10% day."""
    closes = [100.0]
    for i in range(21):
        closes.append(closes[-1] * (1.01 if i % 2 == 0 else 0.99))
    closes.append(closes[-1] * 1.10)
    return closes


# Every small worked case is a symbol of one frame, so one Spark query computes them all.
WORKED = {
    "INTC": INTC,
    "SPY": SPY,
    "QQQQ": QQQQ,
    "EMA3": [1.0, 2.0, 3.0, 10.0, 4.0],
    "RSI2": [10.0, 11.0, 10.0, 12.0, 12.0],
    "LINE": [float(i) for i in range(1, 41)],
    "UP": [float(i) for i in range(1, 31)],
    "DOWN": [float(i) for i in range(30, 0, -1)],
    "FLAT": [5.0] * 30,
    "RAMP": [float(i) for i in range(1, 21)],
    "JUMP": zscore_closes(),
}


@pytest.fixture(scope="module")
def worked(spark):
    df = daily_frame(spark, WORKED, shuffle_seed=1)
    df = ind.with_sma(df, 10)
    df = ind.with_ema(df, 10)
    df = ind.with_ema(df, 3)
    df = ind.with_bollinger(df)
    df = ind.with_rsi(df, 14)
    df = ind.with_rsi(df, 2)
    df = ind.with_macd(df)
    df = ind.with_return_zscore(ind.with_return_1d(df))
    return Columns(df)


# --- published worked examples ----------------------------------------------------------------


def test_sma_matches_stockcharts_intel_example(worked):
    out = worked.of("INTC")["sma_10"]
    assert out[:9] == [None] * 9
    assert out[9:] == pytest.approx(INTC_SMA_10, abs=PRINTED_CENTS)


def test_ema_matches_stockcharts_intel_example(worked):
    out = worked.of("INTC")["ema_10"]
    assert out[:9] == [None] * 9
    # Seeded with the SMA of the first 10 closes.
    assert out[9] == pytest.approx(sum(INTC[:10]) / 10, abs=1e-12)
    assert out[9:] == pytest.approx(INTC_EMA_10, abs=PRINTED_CENTS)


def test_bollinger_matches_stockcharts_spy_example(worked):
    cols = worked.of("SPY")
    mid, upper, lower = (cols[c] for c in ("bb_mid_20", "bb_upper_20", "bb_lower_20"))
    assert mid[:19] == upper[:19] == lower[:19] == [None] * 19
    assert mid[19:] == pytest.approx(SPY_BB_MID, abs=PRINTED_CENTS)
    assert upper[19:] == pytest.approx(SPY_BB_UPPER, abs=PRINTED_CENTS)
    assert lower[19:] == pytest.approx(SPY_BB_LOWER, abs=PRINTED_CENTS)
    # The published bands use the population deviation: the sample one misses them.
    sample_width = [(u - m) * math.sqrt(20 / 19) for u, m in zip(upper[19:], mid[19:])]
    misses = [abs(m + w - p) for m, w, p in zip(mid[19:], sample_width, SPY_BB_UPPER)]
    assert max(misses) > 0.05


def test_rsi_matches_wilder_example_as_published_by_stockcharts(worked):
    out = worked.of("QQQQ")["rsi_14"]
    assert out[:14] == [None] * 14
    assert out[14:] == pytest.approx(QQQQ_RSI_14, abs=0.005)
    # The first value by hand: gains over the first 14 changes sum to 3.3374, losses to 1.3943.
    assert out[14] == pytest.approx(100 - 100 / (1 + 3.3374 / 1.3943), abs=1e-9)


# --- hand-worked small cases -------------------------------------------------------------------


def test_ema_hand_worked(worked):
    # EMA(3): k = 0.5, seed (1+2+3)/3 = 2, then 2 + 0.5*(10-2) = 6, then 6 + 0.5*(4-6) = 5.
    assert worked.of("EMA3")["ema_3"] == [None, None, 2.0, 6.0, 5.0]


def test_rsi_hand_worked_with_period_2(worked):
    # Changes +1, -1, +2, 0. Seed: gain (1+0)/2, loss (0+1)/2 -> RS 1 -> 50.
    # Then gain (0.5*1 + 2)/2 = 1.25, loss (0.5*1 + 0)/2 = 0.25 -> RS 5 -> 100 - 100/6;
    # then gain 0.625, loss 0.125 -> RS 5 again.
    out = worked.of("RSI2")["rsi_2"]
    assert out[:2] == [None, None]
    assert out[2:] == pytest.approx([50.0, 100 - 100 / 6, 100 - 100 / 6], abs=1e-12)


def test_macd_hand_worked_on_a_straight_line(worked):
    # On closes 1, 2, 3, ... an SMA(n)-seeded EMA(n) starts (n-1)/2 below the close and stays
    # there (the recursion keeps that lag exactly), so the line is (26-1)/2 - (12-1)/2 = 7
    # from row 26, the signal (seeded with the mean of nine 7s) is 7 from row 34, and the
    # histogram is 0.
    cols = worked.of("LINE")
    line, signal, hist = cols["macd"], cols["macd_signal"], cols["macd_hist"]
    assert line[:25] == [None] * 25 and signal[:33] == [None] * 33 and hist[:33] == [None] * 33
    assert line[25:] == pytest.approx([7.0] * 15, abs=1e-9)
    assert signal[33:] == pytest.approx([7.0] * 7, abs=1e-9)
    assert hist[33:] == pytest.approx([0.0] * 7, abs=1e-9)


def test_rsi_is_100_without_losses_and_0_without_gains(worked):
    assert worked.of("UP")["rsi_14"][14:] == [100.0] * 16
    assert worked.of("DOWN")["rsi_14"][14:] == [0.0] * 16
    # Flat prices: no gains and no losses; the rule says 100 when the average loss is 0.
    assert worked.of("FLAT")["rsi_14"][14:] == [100.0] * 16


def test_bollinger_hand_worked_population_deviation(worked):
    # Closes 1..20: mean 10.5; population variance (20^2 - 1) / 12 = 33.25 (sample: 35).
    cols = worked.of("RAMP")
    mid, upper, lower = (cols[c] for c in ("bb_mid_20", "bb_upper_20", "bb_lower_20"))
    assert mid[:19] == [None] * 19
    assert mid[19] == 10.5
    assert upper[19] == pytest.approx(10.5 + 2 * math.sqrt(33.25), abs=1e-12)
    assert lower[19] == pytest.approx(10.5 - 2 * math.sqrt(33.25), abs=1e-12)


def test_zscore_excludes_the_current_return_and_flags_anomalies(worked):
    cols = worked.of("JUMP")
    z, flags = cols["return_zscore_20"], cols["is_anomaly"]
    returns = ref_returns(WORKED["JUMP"])
    previous = returns[-21:-1]
    mean = sum(previous) / 20
    sd = math.sqrt(sum((r - mean) ** 2 for r in previous) / 19)
    assert z[-1] == pytest.approx((returns[-1] - mean) / sd, rel=1e-9)
    assert z[-1] > 3 and flags[-1] is True
    assert z[:21] == [None] * 21 and flags[:21] == [None] * 21
    assert abs(z[21]) < 3 and flags[21] is False


# --- add_indicators against the plain-Python reference -----------------------------------------

WALK = random_walk(1, 130)
SERIES = {
    "A": WALK,
    "B": random_walk(2, 90, start=20.0),
    "CUT": WALK[:60],  # A's first 60 days: later days must not change them
    "K": [42.0] * 60,  # constant
}


@pytest.fixture(scope="module")
def reference_run(spark):
    out = ind.add_indicators(daily_frame(spark, SERIES, shuffle_seed=3))
    return out, Columns(out)


def test_add_indicators_matches_reference(reference_run):
    _, cols = reference_run
    for sym, closes in SERIES.items():
        returns = ref_returns(closes)
        mid, upper, lower = ref_bollinger(closes)
        line, signal, hist = ref_macd(closes)
        expected = {
            "return_1d": returns,
            "sma_20": ref_sma(closes, 20),
            "sma_50": ref_sma(closes, 50),
            "ema_12": ref_ema(closes, 12),
            "ema_26": ref_ema(closes, 26),
            "macd": line,
            "macd_signal": signal,
            "macd_hist": hist,
            "rsi_14": ref_rsi(closes),
            "bb_mid_20": mid,
            "bb_upper_20": upper,
            "bb_lower_20": lower,
            "return_zscore_20": ref_zscore(returns),
        }
        for name, values in expected.items():
            assert_series(cols.of(sym)[name], values)
        zs = ref_zscore(returns)
        flags = [None if z is None else abs(z) > 3 for z in zs]
        assert cols.of(sym)["is_anomaly"] == flags


def test_warm_up_nulls(reference_run):
    _, cols = reference_run
    nulls = {c: sum(v is None for v in cols[c]) for c in ind.INDICATOR_COLUMNS}
    assert nulls == {
        "return_1d": 1,
        "sma_20": 19,
        "sma_50": 49,
        "ema_12": 11,
        "ema_26": 25,
        "macd": 25,
        "macd_signal": 33,  # 25 + the 9 MACD values of the signal's seed, minus 1
        "macd_hist": 33,
        "rsi_14": 14,
        "bb_mid_20": 19,
        "bb_upper_20": 19,
        "bb_lower_20": 19,
        "return_zscore_20": 21,  # needs 20 previous returns, and the first day has none
        "is_anomaly": 21,
    }


def test_output_columns_and_rows(reference_run):
    out, cols = reference_run
    assert out.columns == [
        "symbol",
        "trade_date",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "vwap",
        *ind.INDICATOR_COLUMNS,
    ]
    assert out.columns == list(schemas.GOLD_DAILY_PRICES.names)
    assert {sym: len(rows) for sym, rows in cols.rows.items()} == {
        sym: len(closes) for sym, closes in SERIES.items()
    }


def test_constant_series(reference_run):
    _, cols = reference_run
    last = cols.rows["K"][-1]
    assert last["ema_12"] == last["ema_26"] == last["sma_20"] == last["sma_50"] == 42.0
    assert last["macd"] == last["macd_signal"] == last["macd_hist"] == 0.0
    assert last["bb_upper_20"] == last["bb_lower_20"] == 42.0
    assert last["return_1d"] == 0.0
    # Twenty identical previous returns have no spread: no z-score, no anomaly verdict.
    assert last["return_zscore_20"] is None and last["is_anomaly"] is None


def test_later_days_do_not_change_a_day(reference_run):
    _, cols = reference_run

    def strip(rows):
        return [{k: v for k, v in r.asDict().items() if k != "symbol"} for r in rows]

    assert strip(cols.rows["A"][:60]) == strip(cols.rows["CUT"])


def test_indicators_do_not_depend_on_input_order_or_partitioning(spark, reference_run):
    _, cols = reference_run
    again = Columns(ind.add_indicators(daily_frame(spark, SERIES, shuffle_seed=99).coalesce(1)))
    # Exact equality, bit for bit, row by row.
    assert again.rows == cols.rows
