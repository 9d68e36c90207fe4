/**
 * Catalog alone on a bare stack (with the key and one bucket per layer it requires): one Glue
 * database per layer at its bucket, catalog metadata encrypted under the key, and grants scoped
 * to the layers' databases and tables that bring the key permission they need.
 *
 * Expected ARNs are written out literally, never rebuilt with the module's own helpers.
 */
import { describe, expect, it } from "vitest";
import { Catalog } from "../../modules/catalog";
import { SecureBucket } from "../../modules/secure-bucket";
import { TEST_ENV, bareStack, synthBare, testKey } from "../support/bare-stack";
import { RecordingGrantee } from "../support/grantee";
import { policyDocFor, resource, resources, statementsBySid } from "../support/terraform-json";

const KEY_ARN = /^\$\{aws_kms_key\.key_[0-9A-F]{8}\.arn\}$/;
const CATALOG = "arn:aws:glue:eu-central-1:123456789012:catalog";
const BRONZE = ["arn:aws:glue:eu-central-1:123456789012:database/test_bronze", "arn:aws:glue:eu-central-1:123456789012:table/test_bronze/*"];
const SILVER = ["arn:aws:glue:eu-central-1:123456789012:database/test_silver", "arn:aws:glue:eu-central-1:123456789012:table/test_silver/*"];
const GOLD = ["arn:aws:glue:eu-central-1:123456789012:database/test_gold", "arn:aws:glue:eu-central-1:123456789012:table/test_gold/*"];
const GLUE_READ = ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"];
const GLUE_WRITE = [
  "glue:CreateTable",
  "glue:UpdateTable",
  "glue:DeleteTable",
  "glue:CreatePartition",
  "glue:BatchCreatePartition",
  "glue:UpdatePartition",
  "glue:DeletePartition",
  "glue:BatchDeletePartition",
];
const DECRYPT = ["kms:Decrypt", "kms:DescribeKey"];
const USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"];

function build() {
  const stack = bareStack();
  const key = testKey(stack);
  const bucket = (layer: string) => new SecureBucket(stack, layer, { bucketName: `test-${layer}`, label: layer, encryption: { kind: "s3" } });
  const catalog = new Catalog(stack, "catalog", {
    env: TEST_ENV,
    databaseNames: { bronze: "test_bronze", silver: "test_silver", gold: "test_gold" },
    buckets: { bronze: bucket("bronze"), silver: bucket("silver"), gold: bucket("gold") },
    key,
  });
  return { stack, key, catalog };
}

describe("Catalog defaults", () => {
  const { stack, catalog } = build();
  const { tf, snapshot } = synthBare(stack);

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/catalog.tf.json");
  });

  it("has one database per layer, located at the root of its bucket", () => {
    expect(resources(tf, "aws_glue_catalog_database")).toHaveLength(3);
    const db = (layer: string) => resource(tf, "aws_glue_catalog_database", `catalog_${layer}_`);
    // The location references the bucket, so a database waits for its bucket.
    for (const layer of ["bronze", "silver", "gold"]) {
      expect(db(layer)).toEqual({
        name: `test_${layer}`,
        description: `MarketPulse ${layer} layer`,
        location_uri: expect.stringMatching(new RegExp(`^s3://\\$\\{aws_s3_bucket\\.${layer}_bucket_\\w+\\.bucket\\}/$`)),
      });
    }
    expect(catalog.databaseNames).toEqual({ bronze: "test_bronze", silver: "test_silver", gold: "test_gold" });
  });

  it("encrypts catalog metadata and connection passwords under the key", () => {
    expect(resource(tf, "aws_glue_data_catalog_encryption_settings", "catalog").data_catalog_encryption_settings).toEqual({
      encryption_at_rest: { catalog_encryption_mode: "SSE-KMS", sse_aws_kms_key_id: expect.stringMatching(KEY_ARN) },
      connection_password_encryption: { return_connection_password_encrypted: true, aws_kms_key_id: expect.stringMatching(KEY_ARN) },
    });
  });

  it("grants nothing by itself: the key policy names no catalog user", () => {
    const keyPolicy = statementsBySid(policyDocFor(tf, resource(tf, "aws_kms_key", "key").policy));
    expect(Object.keys(keyPolicy)).toEqual(["AccountAdministersKey", "DeployerUsesKey", "CloudWatchLogsForEnvironmentLogGroups"]);
  });

  it("arnOf: the catalog, a database, and a database's tables, in the catalog's region and account", () => {
    expect(catalog.arnOf()).toBe("arn:aws:glue:eu-central-1:123456789012:catalog");
    expect(catalog.arnOf({ database: "test_silver" })).toBe("arn:aws:glue:eu-central-1:123456789012:database/test_silver");
    expect(catalog.arnOf({ database: "test_silver", tables: true })).toBe("arn:aws:glue:eu-central-1:123456789012:table/test_silver/*");
  });
});

describe("Catalog grants", () => {
  it("read-only: read actions on the catalog and the layer's database and tables, decrypt on the key", () => {
    const { catalog, key } = build();
    const role = new RecordingGrantee();
    catalog.grant(role, { read: ["bronze"], write: [] });
    expect(role.policyNames).toEqual(["environment-key", "glue-catalog"]);
    expect(role.statements("glue-catalog")).toEqual([
      {
        sid: "GlueCatalogRead",
        effect: "Allow",
        actions: GLUE_READ,
        resources: [
          "arn:aws:glue:eu-central-1:123456789012:catalog",
          "arn:aws:glue:eu-central-1:123456789012:database/test_bronze",
          "arn:aws:glue:eu-central-1:123456789012:table/test_bronze/*",
        ],
      },
    ]);
    expect(role.statements("environment-key")).toEqual([{ sid: "UseEnvironmentKey", effect: "Allow", actions: DECRYPT, resources: [key.keyArn] }]);
  });

  it("read and write: read covers every layer, write only the written layers, and the key both ways", () => {
    const { catalog, key } = build();
    const role = new RecordingGrantee();
    catalog.grant(role, { read: ["bronze"], write: ["silver", "gold"] });
    const [read, write, ...rest] = role.statements("glue-catalog");
    expect(rest).toEqual([]);
    expect(read).toEqual({ sid: "GlueCatalogRead", effect: "Allow", actions: GLUE_READ, resources: [CATALOG, ...BRONZE, ...SILVER, ...GOLD] });
    expect(write).toEqual({ sid: "GlueCatalogWrite", effect: "Allow", actions: GLUE_WRITE, resources: [CATALOG, ...SILVER, ...GOLD] });
    expect(role.statements("environment-key")).toEqual([{ sid: "UseEnvironmentKey", effect: "Allow", actions: USE, resources: [key.keyArn] }]);
  });

  it("write never reaches a read-only layer's database", () => {
    const { catalog } = build();
    const role = new RecordingGrantee();
    catalog.grant(role, { read: ["bronze", "silver"], write: ["gold"] });
    const write = role.statements("glue-catalog").find((s) => s.sid === "GlueCatalogWrite")!;
    expect(write.resources).toEqual([CATALOG, ...GOLD]);
  });

  it("the grantee is added to the key policy with the same actions", () => {
    const { stack, catalog } = build();
    catalog.grant(new RecordingGrantee("arn:aws:iam::123456789012:role/reader", "Reader"), { read: ["gold"], write: [] });
    catalog.grant(new RecordingGrantee("arn:aws:iam::123456789012:role/writer", "Writer"), { read: [], write: ["gold"] });
    const { tf } = synthBare(stack);
    const keyPolicy = statementsBySid(policyDocFor(tf, resource(tf, "aws_kms_key", "key").policy));
    expect(keyPolicy.Reader).toMatchObject({ principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/reader"] }], actions: DECRYPT });
    expect(keyPolicy.Writer).toMatchObject({ principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/writer"] }], actions: USE });
  });

  it("grantSparkDefaultDatabase: get and create only the `default` database, and the key to write its metadata", () => {
    const { catalog } = build();
    const role = new RecordingGrantee();
    catalog.grantSparkDefaultDatabase(role);
    expect(role.policyNames).toEqual(["environment-key", "glue-catalog"]);
    expect(role.statements("environment-key")[0].actions).toContain("kms:GenerateDataKey");
    expect(role.statements("glue-catalog")).toEqual([
      {
        sid: "GlueDefaultDatabase",
        effect: "Allow",
        actions: ["glue:GetDatabase", "glue:CreateDatabase"],
        resources: ["arn:aws:glue:eu-central-1:123456789012:catalog", "arn:aws:glue:eu-central-1:123456789012:database/default"],
      },
    ]);
  });
});
