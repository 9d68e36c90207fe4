/**
 * Emr: the environment's EMR layer. Terraform owns what must not churn:
 * - the security configuration and the three managed security groups (EmrSecurity);
 * - the CloudWatch log group for job logs;
 * - `spec`, the one cluster specification every cluster is launched from. The pipeline's
 *   state machine renders it as RunJobFlow parameters for each run's transient cluster.
 *
 * A long-running cluster is opt-in (`longRunning`): the same spec with a long-running
 * lifetime, rendered as Terraform resources. It has no auto-termination, because a cluster
 * that ends on its own vanishes from Terraform state and the next plan recreates it against
 * stale fleet and scaling resources (terraform-provider-aws #32248).
 *
 * Construct ids are Terraform addresses: `security`, `job-logs`, `cluster`, `task-fleet` and
 * `scaling` keep the addresses the previous single-cluster construct gave them.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { renderTerraformCluster, type ClusterSpec, type FleetSpec, type ManagedScalingSpec, type TaskFleetSpec, type TerraformCluster } from "./emr-cluster-spec";
import { clusterConfigurations, type EmrConfiguration } from "./emr-configurations";
import type { EmrIam } from "./emr-iam";
import { EmrSecurity, type EmrSecurityProps } from "./emr-security";
import type { EncryptionKey } from "./encryption-key";
import type { LogBucket } from "./log-bucket";
import { EMR_MANAGED_TAG, type Network } from "./network";

export interface EmrProps {
  /** A long-running cluster's name, and the prefix of every transient cluster's (envs/naming.ts). Required. */
  readonly clusterName: string;
  /** The security configuration and groups, less what this construct wires itself. Required. */
  readonly security: Omit<EmrSecurityProps, "network" | "key">;
  /** EMR release label, e.g. `emr-7.13.0`. Required; ForceNew. */
  readonly releaseLabel: string;
  /** EMR application names. Default: Hadoop, Spark. */
  readonly applications?: readonly string[];
  /** Master (one node), core and task fleets, types resolved. Required. */
  readonly fleets: { readonly master: FleetSpec; readonly core: FleetSpec; readonly task: TaskFleetSpec };
  /** Managed-scaling limits in InstanceFleetUnits. Required. */
  readonly managedScaling: ManagedScalingSpec;
  /** Auto-termination of transient clusters after this many idle seconds: their backstop. Default: 1800. */
  readonly idleTimeoutSeconds?: number;
  /** Steps that may run at once. Default: 1. */
  readonly stepConcurrencyLevel?: number;
  /** Spark/YARN settings for the configuration builder (profile plus overrides). Required. */
  readonly software: {
    readonly sparkDefaults: Readonly<Record<string, string>>;
    readonly yarnSite: Readonly<Record<string, string>>;
    readonly pysparkPython: string;
  };
  /** CloudWatch log group for job logs (KMS-encrypted); must fall under the key's log prefix. Required. */
  readonly jobLogGroup: { readonly name: string; readonly retentionDays: number };
  /**
   * The environment's tags. Clusters that RunJobFlow starts get no provider default_tags, so
   * the spec carries them (budgets and cost allocation filter on them). Default: none.
   */
  readonly tags?: Readonly<Record<string, string>>;
  /** A Terraform-owned long-running cluster, and its termination protection. Default: none. */
  readonly longRunning?: { readonly terminationProtection: boolean };
  /** Service role, instance profile and their policies. Required. */
  readonly iam: EmrIam;
  /** Private subnets, VPC CIDR, S3 prefix list. Required. */
  readonly network: Network;
  /** The environment key: EMRFS, disks, logs. Required. */
  readonly key: EncryptionKey;
  /** Cluster logs go to s3://<log bucket>/<the prefix EmrIam grants>/. Required. */
  readonly logs: LogBucket;
}

export class Emr extends Construct {
  readonly security: EmrSecurity;
  readonly jobLogGroup: CloudwatchLogGroup;
  readonly configurations: EmrConfiguration[];
  /** The specification of the pipeline's transient clusters. */
  readonly spec: ClusterSpec;
  /** What a cluster must wait for: EMR checks the roles' policies and the groups' rules at launch. */
  readonly launchDependencies: ITerraformDependable[];
  /** The long-running cluster, when the environment asks for one. */
  readonly longRunning?: TerraformCluster & { readonly spec: ClusterSpec };

  constructor(scope: Construct, id: string, props: EmrProps) {
    super(scope, id);
    for (const [fleet, spec] of Object.entries(props.fleets)) {
      if (spec.instanceTypes.length === 0) throw new Error(`Emr: the ${fleet} fleet needs at least one instance type`);
    }
    const applications = [...(props.applications ?? ["Hadoop", "Spark"])];

    this.security = new EmrSecurity(this, "security", { ...props.security, network: props.network, key: props.key });
    this.jobLogGroup = new CloudwatchLogGroup(this, "job-logs", {
      name: props.jobLogGroup.name,
      retentionInDays: props.jobLogGroup.retentionDays,
      kmsKeyId: props.key.keyArn,
    });
    this.configurations = clusterConfigurations({
      applications,
      sparkDefaults: props.software.sparkDefaults,
      yarnSite: props.software.yarnSite,
      pysparkPython: props.software.pysparkPython,
    });
    this.launchDependencies = [...props.iam.policies, ...this.security.rules];

    this.spec = {
      name: props.clusterName,
      releaseLabel: props.releaseLabel,
      applications,
      fleets: props.fleets,
      managedScaling: props.managedScaling,
      securityConfiguration: this.security.securityConfigurationName,
      serviceRole: props.iam.serviceRoleArn,
      instanceProfile: props.iam.instanceProfile.name,
      subnetIds: props.network.subnetIds,
      securityGroups: {
        master: this.security.masterSecurityGroup.id,
        core: this.security.coreSecurityGroup.id,
        serviceAccess: this.security.serviceAccessSecurityGroup.id,
      },
      logUri: props.logs.logUri(props.iam.logPrefix),
      logEncryptionKmsKeyId: props.key.keyArn,
      configurations: this.configurations,
      stepConcurrencyLevel: props.stepConcurrencyLevel ?? 1,
      lifetime: { kind: "transient", idleTimeoutSeconds: props.idleTimeoutSeconds ?? 1800 },
      tags: { ...props.tags, Name: props.clusterName, ...EMR_MANAGED_TAG },
    };

    if (props.longRunning) {
      const spec: ClusterSpec = { ...this.spec, lifetime: { kind: "long-running", ...props.longRunning } };
      this.longRunning = { ...renderTerraformCluster(this, spec, this.launchDependencies), spec };
    }
  }
}
