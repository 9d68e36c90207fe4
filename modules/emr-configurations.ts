/**
 * The typed builder for an EMR cluster's `Configurations` (configurations_json). Classifications
 * are a closed union and properties are string maps, so a typo in a classification name is a
 * compile error rather than a cluster that silently ignores it.
 *
 * What the platform always sets (and the config schema refuses to override):
 * - spark-defaults: dynamic allocation with the external shuffle service, and adaptive query
 *   execution (coalescing partitions, splitting skewed joins);
 * - spark-hive-site (and hive-site when Hive is installed): the Glue Data Catalog as metastore;
 * - spark-env: PYSPARK_PYTHON pointing at the release's Python 3.11;
 * - yarn-site: no virtual-memory check (it kills Python workers for address space they never use).
 * The workload profile's settings and the environment's overrides are layered on top.
 */

/** Classifications this platform writes. Extend the union to add one. */
export type Classification = "spark-defaults" | "spark-hive-site" | "hive-site" | "spark-env" | "export" | "yarn-site";

export interface EmrConfiguration {
  readonly Classification: Classification;
  readonly Properties?: Readonly<Record<string, string>>;
  readonly Configurations?: readonly EmrConfiguration[];
}

/** Hive metastore client that talks to the Glue Data Catalog (EMR's documented factory class). */
export const GLUE_METASTORE_FACTORY = "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory";

export const FIXED_SPARK_DEFAULTS: Readonly<Record<string, string>> = {
  "spark.dynamicAllocation.enabled": "true",
  "spark.shuffle.service.enabled": "true",
  "spark.sql.adaptive.enabled": "true",
  "spark.sql.adaptive.coalescePartitions.enabled": "true",
  "spark.sql.adaptive.skewJoin.enabled": "true",
  // The lake's Glue tables have projected partitions and none in the catalog: Spark must find a
  // table's partitions from its files, not ask the metastore (which would find none).
  "spark.sql.hive.manageFilesourcePartitions": "false",
};

export const FIXED_YARN_SITE: Readonly<Record<string, string>> = {
  "yarn.nodemanager.vmem-check-enabled": "false",
};

export interface ClusterConfigurationsInput {
  /** Installed applications (EMR names); hive-site is only written when Hive is among them. */
  readonly applications: readonly string[];
  /** Profile spark-defaults plus overrides; the fixed settings above win over both. */
  readonly sparkDefaults?: Readonly<Record<string, string>>;
  /** Profile yarn-site plus overrides; the fixed settings above win over both. */
  readonly yarnSite?: Readonly<Record<string, string>>;
  /** Interpreter for PySpark drivers and executors, e.g. `/usr/bin/python3.11`. */
  readonly pysparkPython: string;
  /** Use the Glue Data Catalog as the Hive/Spark metastore. Default: true. */
  readonly glueCatalog?: boolean;
}

/** The classifications for one cluster, in a stable order (the JSON is ForceNew on the cluster). */
export function clusterConfigurations(input: ClusterConfigurationsInput): EmrConfiguration[] {
  const glue = input.glueCatalog ?? true;
  const metastore = { "hive.metastore.client.factory.class": GLUE_METASTORE_FACTORY };
  const configs: EmrConfiguration[] = [
    { Classification: "spark-defaults", Properties: sorted({ ...input.sparkDefaults, ...FIXED_SPARK_DEFAULTS }) },
    {
      Classification: "spark-env",
      Properties: {},
      Configurations: [
        { Classification: "export", Properties: { PYSPARK_PYTHON: input.pysparkPython, PYSPARK_DRIVER_PYTHON: input.pysparkPython } },
      ],
    },
    { Classification: "yarn-site", Properties: sorted({ ...input.yarnSite, ...FIXED_YARN_SITE }) },
  ];
  if (glue) {
    configs.push({ Classification: "spark-hive-site", Properties: metastore });
    if (input.applications.includes("Hive")) configs.push({ Classification: "hive-site", Properties: metastore });
  }
  return configs;
}

/** Keys in code-point order, whatever the machine's locale: the JSON is ForceNew on a cluster. */
function sorted(props: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(props).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
