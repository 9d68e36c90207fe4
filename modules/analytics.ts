/**
 * Analytics: how analysts query the lake. An Athena workgroup (engine version 3) whose
 * settings are enforced, so no query can write results elsewhere or unencrypted: results go to
 * a dedicated, expiring prefix, encrypted with the environment key, and a query that would scan
 * more than the cutoff is stopped. A few saved queries an analyst would want, and an analyst
 * role that has exactly what querying the Silver and Gold tables takes.
 */
import { AthenaNamedQuery } from "@cdktf/provider-aws/lib/athena-named-query";
import { AthenaWorkgroup } from "@cdktf/provider-aws/lib/athena-workgroup";
import { Construct } from "constructs";
import { accountRootArn, regionalArn, type AwsEnvironment } from "./arn";
import type { Catalog } from "./catalog";
import type { DataLake } from "./data-lake";
import type { EncryptionKey } from "./encryption-key";
import { awsPrincipals } from "./policy-document";
import { Role } from "./role";

/** A saved query: in a layer's database, over the tables named in its SQL. */
export interface SavedQuery {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly database: "silver" | "gold";
  readonly sql: string;
}

export interface AnalyticsProps {
  readonly env: AwsEnvironment;
  /** Names (envs/naming.ts). Required. */
  readonly names: { readonly workgroup: string; readonly analystRole: string };
  /** Silver and gold are queried; results go under `resultsPrefix/` of the artifacts bucket. Required. */
  readonly lake: DataLake;
  readonly catalog: Catalog;
  readonly key: EncryptionKey;
  /** Prefix of the artifacts bucket for query results (the data lake expires it). Required. */
  readonly resultsPrefix: string;
  /** Athena stops a query that scans more than this many bytes. Minimum 10 MiB. Required. */
  readonly bytesScannedCutoffPerQuery: number;
  /** Saved queries. Default: none. */
  readonly savedQueries?: readonly SavedQuery[];
}

const QUERY_ACTIONS = [
  "athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
  "athena:GetQueryResultsStream", "athena:ListQueryExecutions", "athena:GetWorkGroup",
  "athena:GetNamedQuery", "athena:ListNamedQueries", "athena:BatchGetNamedQuery",
];

export class Analytics extends Construct {
  readonly workgroup: AthenaWorkgroup;
  readonly analystRole: Role;
  readonly savedQueries: Readonly<Record<string, AthenaNamedQuery>>;

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    if (props.bytesScannedCutoffPerQuery < 10 * 1024 * 1024) throw new Error("Analytics: Athena's smallest bytes-scanned cutoff is 10 MiB");
    const artifacts = props.lake.buckets.artifacts;

    this.workgroup = new AthenaWorkgroup(this, "workgroup", {
      name: props.names.workgroup,
      description: "MarketPulse analysts: Silver and Gold, results encrypted under the environment key",
      state: "ENABLED",
      // Query history and saved queries go with the workgroup only when deleted on purpose.
      forceDestroy: false,
      configuration: {
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: "Athena engine version 3" },
        resultConfiguration: {
          outputLocation: `s3://${artifacts.name}/${props.resultsPrefix}/`,
          encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn: props.key.keyArn },
        },
      },
    });

    this.savedQueries = Object.fromEntries(
      (props.savedQueries ?? []).map((q) => [
        q.id,
        new AthenaNamedQuery(this, `query-${q.id}`, {
          name: q.name,
          description: q.description,
          workgroup: this.workgroup.name,
          database: props.catalog.databases[q.database].name,
          query: q.sql,
        }),
      ]),
    );

    // Analysts assume this role (IAM in the account decides who may).
    this.analystRole = new Role(this, "analyst-role", {
      roleName: props.names.analystRole,
      description: "Analysts: query Silver and Gold in the environment's Athena workgroup, nothing else",
      grantSid: "Analyst",
      assumedBy: [{ effect: "Allow", principals: awsPrincipals(accountRootArn(props.env)), actions: ["sts:AssumeRole"] }],
      maxSessionDuration: 3600,
    });
    const role = this.analystRole;
    role.addToPolicy("athena", {
      sid: "QueryInTheWorkgroup",
      effect: "Allow",
      actions: QUERY_ACTIONS,
      resources: [regionalArn(props.env, "athena", `workgroup/${props.names.workgroup}`)],
    });
    props.catalog.grant(role, { read: ["silver", "gold"], write: [] });
    props.lake.grantRead(role, "silver");
    props.lake.grantRead(role, "gold");
    // Athena writes results with the caller's credentials, and reads them back.
    props.lake.grantReadWrite(role, "artifacts", { prefix: props.resultsPrefix, sid: "QueryResults" });
  }
}
