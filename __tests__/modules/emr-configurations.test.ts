/**
 * clusterConfigurations is a pure function: the platform's fixed Spark and YARN settings win over
 * the profile and overrides, the Glue metastore is written for Spark (and Hive when installed),
 * and the output order is stable because configurations_json is ForceNew on the cluster.
 */
import { describe, expect, it } from "vitest";
import { clusterConfigurations } from "../../modules/emr-configurations";

const PYTHON = "/usr/bin/python3.11";
const GLUE_FACTORY = "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory";

describe("clusterConfigurations defaults", () => {
  it("Spark alone: spark-defaults, spark-env, yarn-site and the Glue metastore for Spark, in that order", () => {
    expect(clusterConfigurations({ applications: ["Spark"], pysparkPython: PYTHON })).toEqual([
      {
        Classification: "spark-defaults",
        Properties: {
          "spark.dynamicAllocation.enabled": "true",
          "spark.shuffle.service.enabled": "true",
          "spark.sql.adaptive.coalescePartitions.enabled": "true",
          "spark.sql.adaptive.enabled": "true",
          "spark.sql.adaptive.skewJoin.enabled": "true",
          "spark.sql.hive.manageFilesourcePartitions": "false",
        },
      },
      {
        Classification: "spark-env",
        Properties: {},
        Configurations: [{ Classification: "export", Properties: { PYSPARK_PYTHON: "/usr/bin/python3.11", PYSPARK_DRIVER_PYTHON: "/usr/bin/python3.11" } }],
      },
      { Classification: "yarn-site", Properties: { "yarn.nodemanager.vmem-check-enabled": "false" } },
      { Classification: "spark-hive-site", Properties: { "hive.metastore.client.factory.class": GLUE_FACTORY } },
    ]);
  });

  it("properties are written in sorted key order", () => {
    const [sparkDefaults] = clusterConfigurations({ applications: ["Spark"], pysparkPython: PYTHON });
    expect(Object.keys(sparkDefaults.Properties!)).toEqual([
      "spark.dynamicAllocation.enabled",
      "spark.shuffle.service.enabled",
      "spark.sql.adaptive.coalescePartitions.enabled",
      "spark.sql.adaptive.enabled",
      "spark.sql.adaptive.skewJoin.enabled",
      "spark.sql.hive.manageFilesourcePartitions",
    ]);
  });
});

describe("clusterConfigurations layering", () => {
  it("fixed Spark settings win over the profile and overrides; other settings pass through", () => {
    const [sparkDefaults] = clusterConfigurations({
      applications: ["Spark"],
      pysparkPython: PYTHON,
      sparkDefaults: { "spark.dynamicAllocation.enabled": "false", "spark.sql.adaptive.enabled": "false", "spark.executor.memory": "8g" },
    });
    expect(sparkDefaults.Properties).toEqual({
      "spark.dynamicAllocation.enabled": "true",
      "spark.executor.memory": "8g",
      "spark.shuffle.service.enabled": "true",
      "spark.sql.adaptive.coalescePartitions.enabled": "true",
      "spark.sql.adaptive.enabled": "true",
      "spark.sql.adaptive.skewJoin.enabled": "true",
      "spark.sql.hive.manageFilesourcePartitions": "false",
    });
    expect(Object.keys(sparkDefaults.Properties!)).toEqual([
      "spark.dynamicAllocation.enabled",
      "spark.executor.memory",
      "spark.shuffle.service.enabled",
      "spark.sql.adaptive.coalescePartitions.enabled",
      "spark.sql.adaptive.enabled",
      "spark.sql.adaptive.skewJoin.enabled",
      "spark.sql.hive.manageFilesourcePartitions",
    ]);
  });

  it("the fixed YARN setting wins; other YARN settings pass through, sorted", () => {
    const yarn = clusterConfigurations({
      applications: ["Spark"],
      pysparkPython: PYTHON,
      yarnSite: { "yarn.scheduler.maximum-allocation-mb": "57344", "yarn.nodemanager.vmem-check-enabled": "true" },
    }).find((c) => c.Classification === "yarn-site")!;
    expect(yarn.Properties).toEqual({ "yarn.nodemanager.vmem-check-enabled": "false", "yarn.scheduler.maximum-allocation-mb": "57344" });
    expect(Object.keys(yarn.Properties!)).toEqual(["yarn.nodemanager.vmem-check-enabled", "yarn.scheduler.maximum-allocation-mb"]);
  });

  it("the PySpark interpreter goes to both the driver and the executors", () => {
    const env = clusterConfigurations({ applications: ["Spark"], pysparkPython: "/opt/python/bin/python3" }).find((c) => c.Classification === "spark-env")!;
    expect(env.Configurations).toEqual([{ Classification: "export", Properties: { PYSPARK_PYTHON: "/opt/python/bin/python3", PYSPARK_DRIVER_PYTHON: "/opt/python/bin/python3" } }]);
  });

  it("the input objects are not modified", () => {
    const sparkDefaults = { "spark.dynamicAllocation.enabled": "false" };
    clusterConfigurations({ applications: ["Spark"], pysparkPython: PYTHON, sparkDefaults });
    expect(sparkDefaults).toEqual({ "spark.dynamicAllocation.enabled": "false" });
  });
});

describe("clusterConfigurations metastore", () => {
  it("hive-site is written only when Hive is installed, after spark-hive-site", () => {
    const classifications = (applications: string[]) => clusterConfigurations({ applications, pysparkPython: PYTHON }).map((c) => c.Classification);
    expect(classifications(["Spark"])).toEqual(["spark-defaults", "spark-env", "yarn-site", "spark-hive-site"]);
    expect(classifications(["Hadoop", "Spark", "Hive"])).toEqual(["spark-defaults", "spark-env", "yarn-site", "spark-hive-site", "hive-site"]);
    const hive = clusterConfigurations({ applications: ["Spark", "Hive"], pysparkPython: PYTHON }).find((c) => c.Classification === "hive-site")!;
    expect(hive.Properties).toEqual({ "hive.metastore.client.factory.class": GLUE_FACTORY });
  });

  it("application names are matched exactly (EMR's `Hive`)", () => {
    const classifications = clusterConfigurations({ applications: ["Spark", "hive"], pysparkPython: PYTHON }).map((c) => c.Classification);
    expect(classifications).not.toContain("hive-site");
  });

  it("glueCatalog false drops both metastore classifications, even with Hive", () => {
    const classifications = clusterConfigurations({ applications: ["Spark", "Hive"], pysparkPython: PYTHON, glueCatalog: false }).map((c) => c.Classification);
    expect(classifications).toEqual(["spark-defaults", "spark-env", "yarn-site"]);
  });
});

describe("clusterConfigurations stability", () => {
  it("the same settings in a different insertion order give identical JSON", () => {
    const a = clusterConfigurations({
      applications: ["Spark", "Hive"],
      pysparkPython: PYTHON,
      sparkDefaults: { "spark.executor.memory": "8g", "spark.driver.memory": "4g", "spark.executor.cores": "4" },
      yarnSite: { "yarn.b": "2", "yarn.a": "1" },
    });
    const b = clusterConfigurations({
      applications: ["Hive", "Spark"],
      pysparkPython: PYTHON,
      sparkDefaults: { "spark.executor.cores": "4", "spark.driver.memory": "4g", "spark.executor.memory": "8g" },
      yarnSite: { "yarn.a": "1", "yarn.b": "2" },
    });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
