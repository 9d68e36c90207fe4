/**
 * LakeTables: every Silver and Gold dataset as a Glue table in its layer's database, so Athena
 * and Spark find them by name. Each table has its S3 location, Parquet storage, its columns
 * and its partition key, all from the lake contract the jobs export (no column written twice).
 *
 * Partitions are projected: Athena computes the `trade_date=YYYY-MM-DD/` locations from the
 * table's properties, so a new day is queryable the moment the job writes it, with no crawler
 * and no MSCK REPAIR. Spark on the cluster reads the same tables through the Glue metastore and
 * discovers partitions from the files (spark.sql.hive.manageFilesourcePartitions=false, a
 * platform-owned setting), since it cannot use projection.
 */
import { GlueCatalogTable } from "@cdktf/provider-aws/lib/glue-catalog-table";
import { Construct } from "constructs";
import type { LakeLayer } from "../envs/naming";
import type { Catalog } from "./catalog";
import type { SecureBucket } from "./secure-bucket";

export interface LakeColumn {
  readonly name: string;
  /** Hive/Glue type, e.g. `string`, `bigint`, `array<string>`. */
  readonly type: string;
  readonly comment?: string;
}

export interface LakeTableSpec {
  /** Table name (lowercase). */
  readonly name: string;
  readonly description: string;
  /** The database (layer) the table is in. */
  readonly database: Exclude<LakeLayer, "bronze">;
  /** Where the dataset is: a bucket and the folder in it. */
  readonly bucket: SecureBucket;
  readonly path: string;
  /** Columns in the order the jobs write them, partition keys excluded. */
  readonly columns: readonly LakeColumn[];
  /** Partition keys; each must be of type `date` (projected by day). None: an unpartitioned table. */
  readonly partitionKeys: readonly LakeColumn[];
}

export interface LakeTablesProps {
  /** The catalog whose databases hold the tables. Required. */
  readonly catalog: Catalog;
  /** The tables. Required. */
  readonly tables: readonly LakeTableSpec[];
  /** First day Athena projects partitions for, YYYY-MM-DD (the range runs to NOW). Required. */
  readonly projectionStart: string;
}

/** Hive's Parquet classes, as Athena and Spark's Hive support expect them. */
export const PARQUET_STORAGE = {
  inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
  outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
  serDeInfo: { serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", parameters: { "serialization.format": "1" } },
} as const;

export class LakeTables extends Construct {
  /** Tables by `<database layer>.<name>`, e.g. `gold.daily_prices`. */
  readonly tables: Readonly<Record<string, GlueCatalogTable>>;

  constructor(scope: Construct, id: string, props: LakeTablesProps) {
    super(scope, id);
    const tables: Record<string, GlueCatalogTable> = {};
    for (const spec of props.tables) {
      const key = `${spec.database}.${spec.name}`;
      if (tables[key]) throw new Error(`LakeTables: ${key} is defined twice`);
      const root = `s3://${spec.bucket.name}/${spec.path}/`;
      tables[key] = new GlueCatalogTable(this, `${spec.database}-${spec.name}`, {
        name: spec.name,
        databaseName: props.catalog.databases[spec.database].name,
        description: spec.description,
        tableType: "EXTERNAL_TABLE",
        parameters: {
          EXTERNAL: "TRUE",
          classification: "parquet",
          "parquet.compression": "SNAPPY",
          ...(spec.partitionKeys.length > 0 ? projection(spec, root, props.projectionStart) : {}),
        },
        partitionKeys: spec.partitionKeys.map(toColumn),
        storageDescriptor: { location: root, ...PARQUET_STORAGE, columns: spec.columns.map(toColumn) },
      });
    }
    this.tables = tables;
  }
}

function toColumn(c: LakeColumn): { name: string; type: string; comment?: string } {
  return { name: c.name, type: c.type, ...(c.comment ? { comment: c.comment } : {}) };
}

/** Date projection for every (date) partition key; Spark writes `<key>=YYYY-MM-DD/` folders. */
function projection(spec: LakeTableSpec, root: string, start: string): Record<string, string> {
  const params: Record<string, string> = { "projection.enabled": "true" };
  for (const key of spec.partitionKeys) {
    if (key.type !== "date") throw new Error(`LakeTables: ${spec.name}.${key.name} is ${key.type}; only date partition keys are projected`);
    Object.assign(params, {
      [`projection.${key.name}.type`]: "date",
      [`projection.${key.name}.format`]: "yyyy-MM-dd",
      [`projection.${key.name}.range`]: `${start},NOW`,
      [`projection.${key.name}.interval`]: "1",
      [`projection.${key.name}.interval.unit`]: "DAYS",
    });
  }
  // `$${...}` is Terraform's escape for a literal `${...}`: Athena fills the placeholder.
  params["storage.location.template"] = root + spec.partitionKeys.map((k) => `${k.name}=$\${${k.name}}/`).join("");
  return params;
}
