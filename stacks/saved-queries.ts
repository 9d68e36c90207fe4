/**
 * Saved Athena queries an analyst would want first. Written in Athena's SQL (Trino), against the
 * tables the lake contract defines; a test runs each one with DuckDB over a real local run's
 * Parquet, so a renamed column breaks the test, not the analyst's morning.
 */
import { LAKE_CONTRACT, type LakeContract } from "../envs/lake-contract";
import type { SavedQuery } from "../modules/analytics";

/** The table's name, after checking the contract defines it with these columns. */
function table(contract: LakeContract, name: string, columns: readonly string[]): string {
  const dataset = contract.datasets.find((d) => d.name === name);
  if (!dataset) throw new Error(`saved queries: the lake contract has no table ${name}`);
  const known = new Set([...dataset.columns, ...dataset.partition_keys].map((c) => c.name));
  const unknown = columns.filter((c) => !known.has(c));
  if (unknown.length > 0) throw new Error(`saved queries: ${name} has no column ${unknown.join(", ")}`);
  return name;
}

export function savedQueries(contract: LakeContract = LAKE_CONTRACT): SavedQuery[] {
  const daily = table(contract, "daily_prices", [
    "symbol", "trade_date", "close", "return_1d", "sma_20", "sma_50", "rsi_14", "macd", "macd_signal", "bb_upper_20", "bb_lower_20", "is_anomaly", "return_zscore_20",
  ]);
  const quarantine = table(contract, "quarantine_prices", ["trade_date", "_errors"]);
  return [
    {
      id: "latest-indicators",
      name: "Latest indicators per symbol",
      description: "Each symbol's most recent trading day: close, return and the technical indicators.",
      database: "gold",
      sql: `SELECT d.symbol, d.trade_date, d.close, d.return_1d, d.sma_20, d.sma_50, d.rsi_14, d.macd, d.macd_signal, d.bb_upper_20, d.bb_lower_20
FROM ${daily} d
JOIN (SELECT symbol, max(trade_date) AS trade_date FROM ${daily} GROUP BY symbol) latest
  ON d.symbol = latest.symbol AND d.trade_date = latest.trade_date
ORDER BY d.symbol`,
    },
    {
      id: "latest-anomalies",
      name: "Today's anomalies",
      description: "Symbols whose return on the latest trading day is more than 3 standard deviations from their last 20.",
      database: "gold",
      sql: `SELECT symbol, trade_date, close, return_1d, return_zscore_20
FROM ${daily}
WHERE is_anomaly AND trade_date = (SELECT max(trade_date) FROM ${daily})
ORDER BY abs(return_zscore_20) DESC`,
    },
    {
      id: "quarantine-reasons",
      name: "Quarantine reasons, last 30 days",
      description: "Quarantined price records per day and reason code, over the 30 days up to the latest quarantined day.",
      database: "silver",
      sql: `SELECT q.trade_date, reason, count(*) AS records
FROM ${quarantine} q
CROSS JOIN UNNEST(q._errors) AS t(reason)
WHERE q.trade_date > (SELECT max(trade_date) FROM ${quarantine}) - INTERVAL '30' DAY
GROUP BY q.trade_date, reason
ORDER BY q.trade_date DESC, records DESC`,
    },
  ];
}
