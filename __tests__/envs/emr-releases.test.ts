import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_EMR_RELEASE, EMR_RELEASES, EMR_RELEASE_LABELS, sparkVersionOf } from "../../envs/emr-releases";

const PYPROJECT = join(__dirname, "..", "..", "spark-jobs", "pyproject.toml");

describe("EMR release table", () => {
  it("the local pyspark pin equals the Spark version of the default EMR release", () => {
    const pins = [...readFileSync(PYPROJECT, "utf8").matchAll(/["']pyspark==([^"';\s\]]+)["']/g)].map((m) => m[1]);
    expect(pins, "spark-jobs/pyproject.toml must pin pyspark exactly once (pyspark==X.Y.Z)").toHaveLength(1);
    expect(
      pins[0],
      `spark-jobs/pyproject.toml pins pyspark==${pins[0]}, but ${DEFAULT_EMR_RELEASE} ships Spark ${sparkVersionOf(DEFAULT_EMR_RELEASE)}: ` +
        "change the pin or the default release (envs/emr-releases.ts) so jobs are tested on the Spark they run on",
    ).toBe(sparkVersionOf(DEFAULT_EMR_RELEASE));
  });

  it("the default release is supported and is the newest", () => {
    expect(EMR_RELEASES[DEFAULT_EMR_RELEASE]).toBeDefined();
    expect(EMR_RELEASE_LABELS[0]).toBe(DEFAULT_EMR_RELEASE);
    expect(DEFAULT_EMR_RELEASE).toBe("emr-7.13.0");
    expect(sparkVersionOf("emr-7.13.0")).toBe("3.5.6");
  });

  it("every row is an emr-7.x label with an upstream Spark version (no -amzn suffix)", () => {
    for (const [label, { spark }] of Object.entries(EMR_RELEASES)) {
      expect(label).toMatch(/^emr-7\.\d+\.\d+$/);
      expect(spark).toMatch(/^3\.\d+\.\d+$/);
    }
  });
});
