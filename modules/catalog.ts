/**
 * Catalog: one Glue database per lake layer, pointing at its bucket, with the Data Catalog's
 * metadata encrypted under the environment key. EMR uses it as the Hive/Spark metastore.
 *
 * Grants include the key: a reader of an encrypted Data Catalog needs kms:Decrypt, a writer
 * needs to encrypt as well.
 */
import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { GlueDataCatalogEncryptionSettings } from "@cdktf/provider-aws/lib/glue-data-catalog-encryption-settings";
import { Construct } from "constructs";
import { LAKE_LAYERS, type LakeLayer } from "../envs/naming";
import { regionalArn, type AwsEnvironment } from "./arn";
import type { EncryptionKey } from "./encryption-key";
import type { Grantee, Statement } from "./policy-document";
import type { SecureBucket } from "./secure-bucket";

export interface CatalogProps {
  /** The catalog's account and region. Required. */
  readonly env: AwsEnvironment;
  /** Database name per layer (envs/naming.ts). Required. */
  readonly databaseNames: Readonly<Record<LakeLayer, string>>;
  /** Each layer's bucket: the database's location. Required. */
  readonly buckets: Readonly<Record<LakeLayer, SecureBucket>>;
  /**
   * Key for catalog metadata and connection passwords. These settings are account- and
   * region-wide: each environment has its own account, so each stack owns them. Required.
   */
  readonly key: EncryptionKey;
}

/** The inline policy of a grantee that holds its Glue statements. */
export const GLUE_POLICY_NAME = "glue-catalog";

const READ_ACTIONS = ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"];
const WRITE_ACTIONS = [
  "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable",
  "glue:CreatePartition", "glue:BatchCreatePartition", "glue:UpdatePartition", "glue:DeletePartition", "glue:BatchDeletePartition",
];

export class Catalog extends Construct {
  readonly databases: Readonly<Record<LakeLayer, GlueCatalogDatabase>>;
  /** Database names per layer (plain strings, so plans and policies show them literally). */
  readonly databaseNames: Readonly<Record<LakeLayer, string>>;
  private readonly env: AwsEnvironment;
  private readonly key: EncryptionKey;

  constructor(scope: Construct, id: string, props: CatalogProps) {
    super(scope, id);
    this.env = props.env;
    this.key = props.key;
    this.databaseNames = props.databaseNames;
    const db = (layer: LakeLayer) =>
      new GlueCatalogDatabase(this, layer, {
        name: props.databaseNames[layer],
        description: `MarketPulse ${layer} layer`,
        // A reference, so the database waits for its bucket.
        locationUri: `s3://${props.buckets[layer].name}/`,
      });
    this.databases = Object.fromEntries(LAKE_LAYERS.map((l) => [l, db(l)])) as Record<LakeLayer, GlueCatalogDatabase>;

    new GlueDataCatalogEncryptionSettings(this, "encryption", {
      dataCatalogEncryptionSettings: {
        encryptionAtRest: { catalogEncryptionMode: "SSE-KMS", sseAwsKmsKeyId: props.key.keyArn },
        connectionPasswordEncryption: { returnConnectionPasswordEncrypted: true, awsKmsKeyId: props.key.keyArn },
      },
    });
  }

  /** ARN of the catalog, a database, or a database's tables (`table/<db>/*`). */
  arnOf(what: { readonly database?: string; readonly tables?: boolean } = {}): string {
    if (what.database === undefined) return regionalArn(this.env, "glue", "catalog");
    return regionalArn(this.env, "glue", what.tables ? `table/${what.database}/*` : `database/${what.database}`);
  }

  /** Catalog actions on the given layers' databases and their tables only, and the key to go with them. */
  grant(grantee: Grantee, layers: { readonly read: readonly LakeLayer[]; readonly write: readonly LakeLayer[] }): void {
    const resources = (ls: readonly LakeLayer[]) => [
      this.arnOf(),
      ...[...new Set(ls)].flatMap((l) => [this.arnOf({ database: this.databaseNames[l] }), this.arnOf({ database: this.databaseNames[l], tables: true })]),
    ];
    const statements: Statement[] = [
      { sid: "GlueCatalogRead", effect: "Allow", actions: READ_ACTIONS, resources: resources([...layers.read, ...layers.write]) },
    ];
    if (layers.write.length > 0) {
      statements.push({ sid: "GlueCatalogWrite", effect: "Allow", actions: WRITE_ACTIONS, resources: resources(layers.write) });
    }
    grantee.addToPolicy(GLUE_POLICY_NAME, ...statements);
    if (layers.write.length > 0) this.key.grantEncryptDecrypt(grantee);
    else this.key.grantDecrypt(grantee);
  }

  /**
   * Spark's session catalog looks up (and, when absent, creates) the `default` database at
   * start-up; with the Glue metastore that is a Glue call on `database/default`.
   */
  grantSparkDefaultDatabase(grantee: Grantee): void {
    grantee.addToPolicy(GLUE_POLICY_NAME, {
      sid: "GlueDefaultDatabase",
      effect: "Allow",
      actions: ["glue:GetDatabase", "glue:CreateDatabase"],
      resources: [this.arnOf(), this.arnOf({ database: "default" })],
    });
    // Creating it writes catalog metadata, which is encrypted under the key.
    this.key.grantEncryptDecrypt(grantee);
  }
}
