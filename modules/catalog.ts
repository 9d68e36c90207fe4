/**
 * Catalog: one Glue database per lake layer, pointing at its bucket, with the Data Catalog's
 * metadata encrypted under the environment key. EMR uses it as the Hive/Spark metastore.
 */
import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { GlueDataCatalogEncryptionSettings } from "@cdktf/provider-aws/lib/glue-data-catalog-encryption-settings";
import { Construct } from "constructs";
import type { LakeLayer } from "../envs/naming";
import type { Statement } from "./policy";

export interface CatalogProps {
  readonly accountId: string;
  readonly region: string;
  /** Database name and S3 location per layer. */
  readonly databases: Record<LakeLayer, { readonly name: string; readonly locationUri: string }>;
  /**
   * KMS key for catalog metadata and connection passwords. These settings are account- and
   * region-wide: each environment has its own account, so each stack owns them.
   * Default: not managed (set it; the platform always does).
   */
  readonly keyArn?: string;
}

const READ_ACTIONS = ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"];
const WRITE_ACTIONS = [
  "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable",
  "glue:CreatePartition", "glue:BatchCreatePartition", "glue:UpdatePartition", "glue:DeletePartition", "glue:BatchDeletePartition",
];

export class Catalog extends Construct {
  readonly databases: Record<LakeLayer, GlueCatalogDatabase>;
  /** Database names per layer (plain strings, so plans and policies show them literally). */
  readonly databaseNames: Record<LakeLayer, string>;
  private readonly arnBase: string;

  constructor(scope: Construct, id: string, props: CatalogProps) {
    super(scope, id);
    this.arnBase = `arn:aws:glue:${props.region}:${props.accountId}`;
    this.databaseNames = {
      bronze: props.databases.bronze.name,
      silver: props.databases.silver.name,
      gold: props.databases.gold.name,
    };
    const db = (layer: LakeLayer) =>
      new GlueCatalogDatabase(this, layer, {
        name: props.databases[layer].name,
        description: `MarketPulse ${layer} layer`,
        locationUri: props.databases[layer].locationUri,
      });
    this.databases = { bronze: db("bronze"), silver: db("silver"), gold: db("gold") };

    if (props.keyArn) {
      new GlueDataCatalogEncryptionSettings(this, "encryption", {
        dataCatalogEncryptionSettings: {
          encryptionAtRest: { catalogEncryptionMode: "SSE-KMS", sseAwsKmsKeyId: props.keyArn },
          connectionPasswordEncryption: { returnConnectionPasswordEncrypted: true, awsKmsKeyId: props.keyArn },
        },
      });
    }
  }

  /** Catalog actions on the given layers' databases and their tables only. */
  grant(layers: { read: LakeLayer[]; write: LakeLayer[] }): Statement[] {
    const resources = (ls: LakeLayer[]) => [
      `${this.arnBase}:catalog`,
      ...ls.flatMap((l) => [`${this.arnBase}:database/${this.databaseNames[l]}`, `${this.arnBase}:table/${this.databaseNames[l]}/*`]),
    ];
    const statements: Statement[] = [
      { sid: "GlueCatalogRead", effect: "Allow", actions: READ_ACTIONS, resources: resources([...layers.read, ...layers.write]) },
    ];
    if (layers.write.length > 0) {
      statements.push({ sid: "GlueCatalogWrite", effect: "Allow", actions: WRITE_ACTIONS, resources: resources(layers.write) });
    }
    return statements;
  }
}
