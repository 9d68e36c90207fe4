/**
 * The EMR releases the platform supports, each with the Spark version it ships. This table is
 * the single source of truth for two things:
 *  - which `emr.releaseLabel` values envs/schema.ts accepts;
 *  - the local pyspark pin in spark-jobs/pyproject.toml, which must equal the Spark version of
 *    DEFAULT_EMR_RELEASE (__tests__/envs/emr-releases.test.ts fails on drift), so jobs are
 *    tested locally against the Spark they run on.
 *
 * Spark versions are the upstream part of EMR's component version (EMR ships e.g.
 * `3.5.6-amzn-2`; pyspark on PyPI is `3.5.6`). Source: Amazon EMR Release Guide, "Spark release
 * history". Add a row only after checking that page; never guess.
 */

export const EMR_RELEASES = {
  "emr-7.13.0": { spark: "3.5.6" },
  "emr-7.12.0": { spark: "3.5.6" },
  "emr-7.11.0": { spark: "3.5.6" },
  "emr-7.10.0": { spark: "3.5.5" },
  "emr-7.9.0": { spark: "3.5.5" },
  "emr-7.8.0": { spark: "3.5.4" },
} as const satisfies Record<string, { readonly spark: string }>;

export type EmrReleaseLabel = keyof typeof EMR_RELEASES;

/** Supported labels, newest first. */
export const EMR_RELEASE_LABELS = Object.keys(EMR_RELEASES) as [EmrReleaseLabel, ...EmrReleaseLabel[]];

/** The release new clusters get unless an environment pins another. */
export const DEFAULT_EMR_RELEASE: EmrReleaseLabel = "emr-7.13.0";

/** Spark version (upstream, without the `-amzn-N` suffix) of a supported release. */
export function sparkVersionOf(label: EmrReleaseLabel): string {
  return EMR_RELEASES[label].spark;
}

/**
 * The interpreter PySpark uses on the cluster. Every emr-7.x release from 7.1.0 ships Python
 * 3.9 (the system default) and 3.11; the jobs target 3.11.
 */
export const EMR_PYSPARK_PYTHON = "/usr/bin/python3.11";
