/**
 * LakeTables alone on a bare stack (with the catalog, its key and one bucket per layer it
 * requires): one Glue table per spec, in its layer's database, stored as Parquet at its bucket
 * and path, with Athena partition projection by day for its date partition keys.
 *
 * Expected values are written out literally. `$${` in a synthesized string is Terraform's
 * escape for a literal `${`: Athena, not Terraform, fills `${trade_date}` in the location template.
 */
import { describe, expect, it } from "vitest";
import { Catalog } from "../../modules/catalog";
import { LakeTables, type LakeTableSpec, type LakeTablesProps } from "../../modules/lake-tables";
import { SecureBucket } from "../../modules/secure-bucket";
import { TEST_ENV, bareStack, synthBare, testKey } from "../support/bare-stack";
import { resources, type TerraformJson } from "../support/terraform-json";

const PARQUET = {
  input_format: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
  output_format: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
  ser_de_info: { serialization_library: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", parameters: { "serialization.format": "1" } },
};

type Spec = Omit<LakeTableSpec, "bucket"> & { readonly bucket: "silver" | "gold" };

const PRICES: Spec = {
  name: "prices",
  description: "Cleaned trades",
  database: "silver",
  bucket: "silver",
  path: "prices",
  columns: [
    { name: "symbol", type: "string", comment: "Ticker" },
    { name: "price", type: "double" },
  ],
  partitionKeys: [{ name: "trade_date", type: "date", comment: "Exchange day" }],
};

const DAILY: Spec = {
  name: "daily_prices",
  description: "Daily OHLC per symbol",
  database: "gold",
  bucket: "gold",
  path: "daily_prices",
  columns: [
    { name: "symbol", type: "string" },
    { name: "tags", type: "array<string>" },
  ],
  partitionKeys: [{ name: "trade_date", type: "date" }],
};

function build(specs: readonly Spec[] = [PRICES, DAILY], props: Partial<Omit<LakeTablesProps, "catalog" | "tables">> = {}) {
  const stack = bareStack();
  const key = testKey(stack);
  const bucket = (layer: string) => new SecureBucket(stack, layer, { bucketName: `test-${layer}`, label: layer, encryption: { kind: "s3" } });
  const buckets = { bronze: bucket("bronze"), silver: bucket("silver"), gold: bucket("gold") };
  const catalog = new Catalog(stack, "catalog", {
    env: TEST_ENV,
    databaseNames: { bronze: "test_bronze", silver: "test_silver", gold: "test_gold" },
    buckets,
    key,
  });
  const tables = new LakeTables(stack, "tables", {
    catalog,
    projectionStart: "2024-01-01",
    tables: specs.map((s) => ({ ...s, bucket: buckets[s.bucket] })),
    ...props,
  });
  return { stack, tables };
}

/** The one Glue table at address `tables_<id>_<hash>`. */
function table(tf: TerraformJson, id: string): any {
  const found = resources(tf, "aws_glue_catalog_table").filter(([name]) => new RegExp(`^tables_${id}_[0-9A-F]{8}$`).test(name));
  if (found.length !== 1) throw new Error(`expected one aws_glue_catalog_table ${id}`);
  return found[0][1];
}

/** `${aws_<type>.<address>.<attribute>}` of the one resource of a type whose address starts with `prefix`. */
function ref(tf: TerraformJson, type: string, prefix: string, attribute: string): string {
  const found = resources(tf, type).filter(([name]) => new RegExp(`^${prefix}_[0-9A-F]{8}$`).test(name));
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}`);
  return `\${${type}.${found[0][0]}.${attribute}}`;
}

describe("LakeTables defaults", () => {
  const { stack, tables } = build();
  const { tf, snapshot } = synthBare(stack);
  const silverBucket = ref(tf, "aws_s3_bucket", "silver_bucket", "bucket");
  const goldBucket = ref(tf, "aws_s3_bucket", "gold_bucket", "bucket");

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/lake-tables.tf.json");
  });

  it("is one Glue table per spec, at the address `<database>-<name>`", () => {
    expect(resources(tf, "aws_glue_catalog_table").map(([name]) => name).sort()).toEqual([
      expect.stringMatching(/^tables_gold-daily_prices_[0-9A-F]{8}$/),
      expect.stringMatching(/^tables_silver-prices_[0-9A-F]{8}$/),
    ]);
    expect(Object.keys(tables.tables).sort()).toEqual(["gold.daily_prices", "silver.prices"]);
  });

  it("a Silver table: external Parquet at its bucket and path, its columns and partition key, projected by day", () => {
    expect(table(tf, "silver-prices")).toEqual({
      name: "prices",
      database_name: expect.stringMatching(/^\$\{aws_glue_catalog_database\.catalog_silver_[0-9A-F]{8}\.name\}$/),
      description: "Cleaned trades",
      table_type: "EXTERNAL_TABLE",
      parameters: {
        EXTERNAL: "TRUE",
        classification: "parquet",
        "parquet.compression": "SNAPPY",
        "projection.enabled": "true",
        "projection.trade_date.type": "date",
        "projection.trade_date.format": "yyyy-MM-dd",
        "projection.trade_date.range": "2024-01-01,NOW",
        "projection.trade_date.interval": "1",
        "projection.trade_date.interval.unit": "DAYS",
        "storage.location.template": "s3://" + silverBucket + "/prices/trade_date=$${trade_date}/",
      },
      partition_keys: [{ name: "trade_date", type: "date", comment: "Exchange day" }],
      storage_descriptor: {
        location: "s3://" + silverBucket + "/prices/",
        ...PARQUET,
        columns: [
          { name: "symbol", type: "string", comment: "Ticker" },
          { name: "price", type: "double" },
        ],
      },
    });
  });

  it("each table is in its own layer's database (a reference, so the table waits for it)", () => {
    expect(table(tf, "silver-prices").database_name).toBe(ref(tf, "aws_glue_catalog_database", "catalog_silver", "name"));
    expect(table(tf, "gold-daily_prices").database_name).toBe(ref(tf, "aws_glue_catalog_database", "catalog_gold", "name"));
  });

  it("a Gold table: located in the gold bucket, with columns in the given order and no comment where none is given", () => {
    const daily = table(tf, "gold-daily_prices");
    expect(daily.storage_descriptor.location).toBe("s3://" + goldBucket + "/daily_prices/");
    expect(daily.parameters["storage.location.template"]).toBe("s3://" + goldBucket + "/daily_prices/trade_date=$${trade_date}/");
    expect(daily.storage_descriptor.columns).toEqual([
      { name: "symbol", type: "string" },
      { name: "tags", type: "array<string>" },
    ]);
    expect(daily.partition_keys).toEqual([{ name: "trade_date", type: "date" }]);
  });

  it("no table is in the bronze database or at the bronze bucket", () => {
    const json = JSON.stringify(tf.resource.aws_glue_catalog_table);
    expect(json).not.toMatch(/catalog_bronze|bronze_bucket/);
  });
});

describe("LakeTables options", () => {
  it("projectionStart is the first day of every table's projected range", () => {
    const { stack } = build([PRICES, DAILY], { projectionStart: "2019-06-30" });
    const { tf } = synthBare(stack);
    expect(table(tf, "silver-prices").parameters["projection.trade_date.range"]).toBe("2019-06-30,NOW");
    expect(table(tf, "gold-daily_prices").parameters["projection.trade_date.range"]).toBe("2019-06-30,NOW");
  });

  it("a nested path: the location and the template are under it", () => {
    const { stack } = build([{ ...PRICES, name: "prices_quarantine", path: "quarantine/prices" }]);
    const { tf } = synthBare(stack);
    const silverBucket = ref(tf, "aws_s3_bucket", "silver_bucket", "bucket");
    const t = table(tf, "silver-prices_quarantine");
    expect(t.storage_descriptor.location).toBe("s3://" + silverBucket + "/quarantine/prices/");
    expect(t.parameters["storage.location.template"]).toBe("s3://" + silverBucket + "/quarantine/prices/trade_date=$${trade_date}/");
  });

  it("two date partition keys: each is projected, and the template nests them in order", () => {
    const { stack } = build([{ ...PRICES, partitionKeys: [{ name: "trade_date", type: "date" }, { name: "load_date", type: "date" }] }]);
    const { tf } = synthBare(stack);
    const silverBucket = ref(tf, "aws_s3_bucket", "silver_bucket", "bucket");
    const t = table(tf, "silver-prices");
    expect(t.partition_keys).toEqual([
      { name: "trade_date", type: "date" },
      { name: "load_date", type: "date" },
    ]);
    expect(t.parameters).toMatchObject({
      "projection.trade_date.type": "date",
      "projection.trade_date.range": "2024-01-01,NOW",
      "projection.load_date.type": "date",
      "projection.load_date.format": "yyyy-MM-dd",
      "projection.load_date.range": "2024-01-01,NOW",
      "projection.load_date.interval": "1",
      "projection.load_date.interval.unit": "DAYS",
    });
    expect(t.parameters["storage.location.template"]).toBe("s3://" + silverBucket + "/prices/trade_date=$${trade_date}/load_date=$${load_date}/");
  });

  it("the same table name in two layers is two tables", () => {
    const { stack, tables } = build([PRICES, { ...PRICES, database: "gold", bucket: "gold" }]);
    const { tf } = synthBare(stack);
    expect(table(tf, "silver-prices").database_name).toBe(ref(tf, "aws_glue_catalog_database", "catalog_silver", "name"));
    expect(table(tf, "gold-prices").database_name).toBe(ref(tf, "aws_glue_catalog_database", "catalog_gold", "name"));
    expect(Object.keys(tables.tables).sort()).toEqual(["gold.prices", "silver.prices"]);
  });
});

describe("LakeTables without partition keys", () => {
  it("an unpartitioned table has no projection and no location template", () => {
    const { stack } = build([{ ...DAILY, partitionKeys: [] }]);
    const t = table(synthBare(stack).tf, "gold-daily_prices");
    expect(t.partition_keys).toEqual([]);
    expect(Object.keys(t.parameters).sort()).toEqual(["EXTERNAL", "classification", "parquet.compression"]);
  });
});

describe("LakeTables validation", () => {
  it("refuses a table defined twice in one layer", () => {
    expect(() => build([PRICES, DAILY, { ...PRICES, description: "again" }])).toThrow("LakeTables: silver.prices is defined twice");
  });

  it("refuses a partition key that is not a date (only dates are projected)", () => {
    expect(() => build([{ ...PRICES, partitionKeys: [{ name: "symbol", type: "string" }] }])).toThrow(
      "LakeTables: prices.symbol is string; only date partition keys are projected",
    );
  });

  it("refuses a non-date key even after a date key", () => {
    expect(() => build([{ ...DAILY, partitionKeys: [{ name: "trade_date", type: "date" }, { name: "hour", type: "int" }] }])).toThrow(
      "LakeTables: daily_prices.hour is int; only date partition keys are projected",
    );
  });
});
