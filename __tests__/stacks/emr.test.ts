import { describe, expect, it } from "vitest";
import { instanceFamily } from "../../envs/emr-profiles";
import { GLUE_METASTORE_FACTORY, type EmrConfiguration } from "../../modules/emr-configurations";
import { internalDomain } from "../../modules/emr-security";
import { RAW_ENVS, resource, resources, synthEnv, type EnvName, type TerraformJson } from "../support/synth";

const EMR_TAG = { "for-use-with-amazon-emr-managed-policies": "true" };
const KEY_REF = /^\$\{aws_kms_key\.kms_key_\w+\.arn\}$/;

/** The pipeline's createCluster task: the cluster every run starts. */
const createCluster = (tf: TerraformJson) => JSON.parse(resource(tf, "aws_sfn_state_machine", "pipeline_state-machine").definition).States.CreateCluster;
const securityConfiguration = (tf: TerraformJson) => JSON.parse(resource(tf, "aws_emr_security_configuration", "emr_security").configuration);
const sgRef = (tf: TerraformJson, fragment: string) => {
  const [name] = resources(tf, "aws_security_group").find(([n]) => n.includes(fragment))!;
  return `\${aws_security_group.${name}.id}`;
};
const classification = (configs: EmrConfiguration[], name: string) => configs.find((c) => c.Classification === name);

describe.each<EnvName>(["dev", "prod"])("EMR cluster (%s)", (env) => {
  const { json, tf, stack } = synthEnv(env);
  const cfg = stack.config;
  const emr = cfg.emr;
  const master = sgRef(tf, "emr_security_master-sg");
  const core = sgRef(tf, "emr_security_core-sg");
  const serviceAccess = sgRef(tf, "emr_security_service-access-sg");
  const emrRules = (type: string) => resources(tf, type).filter(([n]) => n.startsWith("emr_security_")).map(([, r]) => r);

  describe("security configuration", () => {
    const sc = securityConfiguration(tf);

    it("encrypts EMRFS (S3) with SSE-KMS under the environment key", () => {
      expect(sc.EncryptionConfiguration.EnableAtRestEncryption).toBe(true);
      const s3 = sc.EncryptionConfiguration.AtRestEncryptionConfiguration.S3EncryptionConfiguration;
      expect(s3.EncryptionMode).toBe("SSE-KMS");
      expect(s3.AwsKmsKey).toMatch(KEY_REF);
    });

    it("encrypts local disks with KMS, EBS volumes included", () => {
      expect(sc.EncryptionConfiguration.AtRestEncryptionConfiguration.LocalDiskEncryptionConfiguration).toEqual({
        EncryptionKeyProviderType: "AwsKms",
        AwsKmsKey: expect.stringMatching(KEY_REF),
        EnableEbsEncryption: true,
      });
    });

    it("requires IMDSv2 with a hop limit of 1", () => {
      expect(sc.InstanceMetadataServiceConfiguration).toEqual({ MinimumInstanceMetadataServiceVersion: 2, HttpPutResponseHopLimit: 1 });
    });

    it(`in-transit encryption is ${env === "prod" ? "on (mandatory in prod)" : "as configured (off in dev)"}`, () => {
      expect(sc.EncryptionConfiguration.EnableInTransitEncryption).toBe(emr.inTransitEncryption.enabled);
      if (env === "prod") {
        expect(sc.EncryptionConfiguration.EnableInTransitEncryption).toBe(true);
        expect(sc.EncryptionConfiguration.InTransitEncryptionConfiguration.TLSCertificateConfiguration).toEqual({
          CertificateProviderType: "PEM",
          S3Object: expect.stringMatching(/^s3:\/\/\$\{aws_s3_bucket\.lake_artifacts_bucket_\w+\.bucket\}\/\$\{aws_s3_object\.emr_security_tls-object_\w+\.key\}$/),
        });
      } else {
        expect(sc.EncryptionConfiguration.InTransitEncryptionConfiguration).toBeUndefined();
        expect(tf.resource.tls_private_key).toBeUndefined();
      }
    });

    it("is what the cluster uses, replaced before the old one is deleted", () => {
      const r = resource(tf, "aws_emr_security_configuration", "emr_security");
      expect(createCluster(tf).Parameters.SecurityConfiguration).toMatch(/^\$\{aws_emr_security_configuration\.emr_security_configuration_\w+\.name\}$/);
      expect(r.name_prefix).toBe(`marketpulse-${env}-`);
      expect(r.lifecycle).toEqual({ create_before_destroy: true });
    });
  });

  describe("security groups", () => {
    const groups = resources(tf, "aws_security_group").filter(([n]) => n.startsWith("emr_security_")).map(([, g]) => g);

    it("master, core/task and service-access: created by the stack, revoke rules on delete, described, tagged for EMR", () => {
      expect(groups.map((g) => g.name_prefix).sort()).toEqual(
        [`marketpulse-${env}-emr-core-`, `marketpulse-${env}-emr-master-`, `marketpulse-${env}-emr-service-access-`].sort(),
      );
      for (const g of groups) {
        // A renamed group is created before the old one (still used by a cluster) is deleted.
        expect(g.name).toBeUndefined();
        expect(g.lifecycle).toEqual({ create_before_destroy: true });
        expect(g.revoke_rules_on_delete).toBe(true);
        expect(g.description.length).toBeGreaterThan(10);
        expect(g.tags).toMatchObject(EMR_TAG);
        expect(g.vpc_id).toMatch(/aws_vpc\.network_vpc_\w+\.id/);
        // Rules live in separate resources, so EMR's own additions never show up as drift.
        expect(g.ingress).toBeUndefined();
        expect(g.egress).toBeUndefined();
      }
      expect(createCluster(tf).Parameters.Instances).toMatchObject({
        EmrManagedMasterSecurityGroup: master,
        EmrManagedSlaveSecurityGroup: core,
        ServiceAccessSecurityGroup: serviceAccess,
      });
    });

    it("service access: 9443 in from the master group; 8443 out to master and core", () => {
      expect(json).toHaveResourceWithProperties("aws_vpc_security_group_ingress_rule", {
        security_group_id: serviceAccess, referenced_security_group_id: master, ip_protocol: "tcp", from_port: 9443, to_port: 9443,
      });
      for (const to of [master, core]) {
        expect(json).toHaveResourceWithProperties("aws_vpc_security_group_egress_rule", {
          security_group_id: serviceAccess, referenced_security_group_id: to, ip_protocol: "tcp", from_port: 8443, to_port: 8443,
        });
      }
      // The service-access group has no other rules.
      expect(emrRules("aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === serviceAccess)).toHaveLength(1);
      expect(emrRules("aws_vpc_security_group_egress_rule").filter((r) => r.security_group_id === serviceAccess)).toHaveLength(2);
    });

    it("master and core accept 8443 from service access and everything from the cluster's own groups", () => {
      for (const sg of [master, core]) {
        const ins = emrRules("aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === sg);
        expect(ins.map((r) => r.referenced_security_group_id).sort()).toEqual([master, core, serviceAccess].sort());
        expect(ins.find((r) => r.referenced_security_group_id === serviceAccess)).toMatchObject({ from_port: 8443, to_port: 8443 });
      }
    });

    it("no ingress from outside the VPC anywhere in the stack", () => {
      for (const r of resources(tf, "aws_vpc_security_group_ingress_rule").map(([, x]) => x)) {
        expect(r.cidr_ipv6).toBeUndefined();
        expect(r.prefix_list_id).toBeUndefined();
        if (r.cidr_ipv4 !== undefined) expect(r.cidr_ipv4).toBe(cfg.network.vpcCidr);
        else expect(r.referenced_security_group_id).toMatch(/^\$\{aws_security_group\./);
      }
      for (const [, g] of resources(tf, "aws_security_group")) expect(g.ingress ?? []).toEqual([]);
    });

    it("egress only to the VPC CIDR, the S3 prefix list (443) or the cluster's own groups", () => {
      const out = emrRules("aws_vpc_security_group_egress_rule");
      expect(out).toHaveLength(6);
      for (const r of out) {
        expect(r.cidr_ipv6).toBeUndefined();
        const target = r.cidr_ipv4 ?? r.prefix_list_id ?? r.referenced_security_group_id;
        if (r.cidr_ipv4 !== undefined) expect(r.cidr_ipv4).toBe(cfg.network.vpcCidr);
        else if (r.prefix_list_id !== undefined) {
          expect(r.prefix_list_id).toMatch(/aws_vpc_endpoint\.network_s3_\w+\.prefix_list_id/);
          expect(r).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443 });
        } else expect([master, core]).toContain(target);
      }
      for (const sg of [master, core]) {
        expect(out.filter((r) => r.security_group_id === sg && r.cidr_ipv4 === cfg.network.vpcCidr)).toHaveLength(1);
        expect(out.filter((r) => r.security_group_id === sg && r.prefix_list_id !== undefined)).toHaveLength(1);
      }
    });

    it("every rule is described", () => {
      for (const r of [...emrRules("aws_vpc_security_group_ingress_rule"), ...emrRules("aws_vpc_security_group_egress_rule")]) {
        expect(r.description.length).toBeGreaterThan(5);
      }
    });
  });

  describe("the pipeline's cluster (RunJobFlow in the createCluster task)", () => {
    const rjf = createCluster(tf).Parameters;
    const fleets = Object.fromEntries(rjf.Instances.InstanceFleets.map((f: any) => [f.InstanceFleetType, f]));

    it("runs the configured release and applications in every private subnet, with the EMR roles", () => {
      expect(rjf.ReleaseLabel).toBe(emr.releaseLabel);
      expect(rjf.Applications).toEqual(emr.applications.map((Name) => ({ Name })));
      expect(rjf.Instances.Ec2SubnetIds).toHaveLength(cfg.network.azCount);
      expect(rjf.ServiceRole).toMatch(/aws_iam_role\.emr-iam_service-role_\w+\.arn/);
      expect(rjf.JobFlowRole).toMatch(/aws_iam_instance_profile\.emr-iam_instance-profile_\w+\.name/);
      expect(rjf.Instances).toMatchObject({ EmrManagedMasterSecurityGroup: master, EmrManagedSlaveSecurityGroup: core, ServiceAccessSecurityGroup: serviceAccess });
      expect(rjf.Instances.Ec2KeyName).toBeUndefined(); // no SSH: Session Manager is the way in
    });

    it("is named for the environment and the run, and tagged for the environment and EMR's managed policy", () => {
      expect(createCluster(tf).Parameters["Name.$"]).toBe("$.run.clusterName");
      const tags = Object.fromEntries(rjf.Tags.map((t: any) => [t.Key, t.Value]));
      expect(tags).toMatchObject({ ...EMR_TAG, environment: env, project: "marketpulse", Name: `marketpulse-${env}` });
    });

    it("master and core fleets are on-demand with gp3 EBS", () => {
      for (const [fleet, want] of [
        [fleets.MASTER, emr.fleets.master],
        [fleets.CORE, emr.fleets.core],
      ] as const) {
        expect(fleet.TargetOnDemandCapacity).toBe(want.targetOnDemandCapacity);
        expect(fleet.LaunchSpecifications.OnDemandSpecification).toEqual({ AllocationStrategy: "lowest-price" });
        for (const t of fleet.InstanceTypeConfigs) {
          expect(t.EbsConfiguration.EbsBlockDeviceConfigs).toEqual([{ VolumeSpecification: { VolumeType: "gp3", SizeInGB: want.ebsVolumeSizeGiB }, VolumesPerInstance: 1 }]);
        }
      }
      expect(fleets.MASTER.TargetOnDemandCapacity + fleets.MASTER.TargetSpotCapacity).toBe(1);
    });

    if (env === "prod") {
      it("prod: no spot on master or core", () => {
        for (const fleet of [fleets.MASTER, fleets.CORE]) {
          expect(fleet.TargetSpotCapacity).toBe(0);
          expect(fleet.LaunchSpecifications.SpotSpecification).toBeUndefined();
        }
      });
    }

    it("task capacity is spot, diversified, falling back to on-demand", () => {
      const task = fleets.TASK;
      expect(task.TargetSpotCapacity).toBe(emr.fleets.task.targetSpotCapacity);
      expect(task.TargetOnDemandCapacity).toBe(0);
      expect(task.LaunchSpecifications.SpotSpecification).toEqual({
        AllocationStrategy: emr.fleets.task.spotAllocationStrategy,
        TimeoutAction: "SWITCH_TO_ON_DEMAND",
        TimeoutDurationMinutes: emr.fleets.task.spotTimeoutMinutes,
      });
      const typeNames = task.InstanceTypeConfigs.map((t: any) => t.InstanceType);
      expect(typeNames.length).toBeGreaterThanOrEqual(3);
      expect(new Set(typeNames.map(instanceFamily)).size).toBeGreaterThanOrEqual(2);
    });

    it("managed scaling in InstanceFleetUnits with the configured limits", () => {
      const s = emr.managedScaling;
      expect(rjf.ManagedScalingPolicy).toEqual({
        ComputeLimits: {
          UnitType: "InstanceFleetUnits",
          MinimumCapacityUnits: s.minimumCapacityUnits,
          MaximumCapacityUnits: s.maximumCapacityUnits,
          MaximumCoreCapacityUnits: s.maximumCoreCapacityUnits,
          MaximumOnDemandCapacityUnits: s.maximumOnDemandCapacityUnits,
        },
      });
    });

    it(`auto-terminates after ${emr.idleTimeoutSeconds} idle seconds, the backstop; never termination-protected (runs terminate it)`, () => {
      expect(rjf.AutoTerminationPolicy).toEqual({ IdleTimeout: emr.idleTimeoutSeconds });
      expect(rjf.Instances.TerminationProtected).toBe(false);
      expect(rjf.Instances.KeepJobFlowAliveWhenNoSteps).toBe(true);
      expect(rjf.Instances.UnhealthyNodeReplacement).toBe(true);
      expect(rjf.StepConcurrencyLevel).toBe(emr.stepConcurrencyLevel);
      expect(rjf.ScaleDownBehavior).toBe("TERMINATE_AT_TASK_COMPLETION");
    });

    it("logs to the log bucket's emr/ prefix, encrypted with the environment key", () => {
      expect(rjf.LogUri).toMatch(/^s3:\/\/\$\{aws_s3_bucket\.logs_bucket_\w+\.bucket\}\/emr\/$/);
      expect(rjf.LogEncryptionKmsKeyId).toMatch(KEY_REF);
      expect(rjf.SecurityConfiguration).toMatch(/^\$\{aws_emr_security_configuration\.emr_security_configuration_\w+\.name\}$/);
    });

    it("configurations: dynamic allocation + AQE, Glue metastore, Python 3.11, yarn-site", () => {
      const configs = rjf.Configurations as EmrConfiguration[];
      expect(classification(configs, "spark-defaults")?.Properties).toMatchObject({
        "spark.dynamicAllocation.enabled": "true",
        "spark.shuffle.service.enabled": "true",
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
        "spark.sql.adaptive.skewJoin.enabled": "true",
      });
      expect(classification(configs, "spark-hive-site")?.Properties).toEqual({ "hive.metastore.client.factory.class": GLUE_METASTORE_FACTORY });
      expect(classification(configs, "spark-env")?.Configurations).toEqual([
        { Classification: "export", Properties: { PYSPARK_PYTHON: "/usr/bin/python3.11", PYSPARK_DRIVER_PYTHON: "/usr/bin/python3.11" } },
      ]);
      expect(classification(configs, "yarn-site")?.Properties).toMatchObject({ "yarn.nodemanager.vmem-check-enabled": "false" });
      expect(classification(configs, "hive-site")).toBeUndefined(); // Hive is not installed
    });

    it("the job log group is KMS-encrypted with the configured retention", () => {
      const group = resource(tf, "aws_cloudwatch_log_group", "emr_job-logs");
      expect(group.kms_key_id).toMatch(KEY_REF);
      expect(group.retention_in_days).toBe(cfg.logging.logRetentionDays);
    });

    it("no Terraform-owned cluster: the pipeline's clusters do the work", () => {
      expect(tf.resource.aws_emr_cluster).toBeUndefined();
      expect(tf.resource.aws_emr_instance_fleet).toBeUndefined();
      expect(tf.resource.aws_emr_managed_scaling_policy).toBeUndefined();
      expect(tf.output.emr_cluster_id).toBeUndefined();
      expect(Object.keys(tf.output)).toEqual(
        expect.arrayContaining(["emr_service_role_arn", "emr_instance_role_arn", "emr_instance_profile", "emr_security_group_ids", "alerts_topic_arn"]),
      );
    });
  });
});

describe("the opt-in long-running cluster", () => {
  const { tf, stack } = synthEnv("prod", { emr: { ...RAW_ENVS.prod.emr, longRunningCluster: { enabled: true } } });
  const c = resource(tf, "aws_emr_cluster", "emr_cluster");

  it("is the same cluster specification, without auto-termination, with termination protection", () => {
    expect(c.name).toBe("marketpulse-prod");
    expect(c.auto_termination_policy).toBeUndefined();
    expect(c.termination_protection).toBe(true);
    expect(c.release_label).toBe(stack.config.emr.releaseLabel);
    expect(c.ec2_attributes.instance_profile).toMatch(/aws_iam_instance_profile\.emr-iam_instance-profile_\w+\.name/);
  });

  it("keeps the addresses of the former single cluster, and its task fleet and scaling", () => {
    expect(Object.keys(tf.resource.aws_emr_cluster)).toEqual([expect.stringMatching(/^emr_cluster_/)]);
    expect(resource(tf, "aws_emr_instance_fleet", "emr_task-fleet").cluster_id).toMatch(/aws_emr_cluster\.emr_cluster_\w+\.id/);
    expect(resource(tf, "aws_emr_managed_scaling_policy", "emr_scaling").depends_on).toEqual([expect.stringMatching(/^aws_emr_instance_fleet\.emr_task-fleet_/)]);
  });

  it("ignores the fleet capacities that managed scaling changes (and out-of-band steps)", () => {
    expect(c.lifecycle.ignore_changes).toEqual(["core_instance_fleet[0].target_on_demand_capacity", "core_instance_fleet[0].target_spot_capacity", "step"]);
    expect(resource(tf, "aws_emr_instance_fleet", "emr_task-fleet").lifecycle.ignore_changes).toEqual(["target_on_demand_capacity", "target_spot_capacity"]);
  });

  it("waits for the roles' policies and the security-group rules before launching", () => {
    expect(c.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_iam_role_policy\.emr-iam_service-pass-role_/)]));
    expect(c.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_vpc_security_group_ingress_rule\.emr_security_service-from-master_/)]));
  });

  it("has its id as an output and a core-node alarm of its own", () => {
    expect(tf.output.emr_cluster_id.value).toMatch(/aws_emr_cluster\.emr_cluster_\w+\.id/);
    const alarm = resource(tf, "aws_cloudwatch_metric_alarm", "monitoring_core-nodes-low");
    expect(alarm.dimensions).toEqual({ JobFlowId: expect.stringMatching(/aws_emr_cluster\.emr_cluster_\w+\.id/) });
    expect(alarm.threshold).toBe(3); // 6 units of 2-unit 2xlarges
  });
});

describe("in-transit certificate (prod: generated in the stack)", () => {
  const { tf, stack } = synthEnv("prod");

  it("a 2048-bit RSA key and a self-signed certificate for the region's internal domain", () => {
    expect(resource(tf, "tls_private_key", "emr_security_tls-key")).toMatchObject({ algorithm: "RSA", rsa_bits: 2048 });
    const cert = resource(tf, "tls_self_signed_cert", "emr_security_tls-cert");
    expect(cert.dns_names).toEqual(["*.eu-west-1.compute.internal"]);
    expect(cert.subject[0].common_name).toBe("*.eu-west-1.compute.internal");
    expect(cert.allowed_uses).toEqual(expect.arrayContaining(["server_auth", "client_auth", "key_encipherment"]));
    expect(cert.private_key_pem).toMatch(/tls_private_key\.emr_security_tls-key_\w+\.private_key_pem/);
  });

  it("zipped by the archive provider as EMR's PEM provider expects, owner-readable only", () => {
    const zip = Object.values(tf.data.archive_file)[0] as any;
    expect(zip.type).toBe("zip");
    expect(zip.output_file_mode).toBe("0600");
    expect(zip.source.map((s: any) => s.filename)).toEqual(["privateKey.pem", "certificateChain.pem", "trustedCertificates.pem"]);
  });

  it("staged to the artifacts bucket with SSE-KMS under the environment key", () => {
    const obj = resource(tf, "aws_s3_object", "emr_security_tls-object");
    expect(obj.bucket).toMatch(/aws_s3_bucket\.lake_artifacts_bucket_\w+\.bucket/);
    // Keyed by serial number: a renewed certificate means a new security configuration and
    // cluster, never nodes of one cluster trusting different certificates.
    expect(obj.key).toMatch(/^emr\/tls\/marketpulse-prod\/\$\{tls_self_signed_cert\.emr_security_tls-cert_\w+\.id\}\.zip$/);
    expect(obj.server_side_encryption).toBe("aws:kms");
    expect(obj.kms_key_id).toMatch(KEY_REF);
    expect(obj.source_hash).toMatch(/data\.archive_file\.emr_security_tls-zip_\w+\.output_base64sha256/);
    expect(resource(tf, "aws_emr_security_configuration", "emr_security").depends_on).toEqual([
      expect.stringMatching(/^aws_s3_object\.emr_security_tls-object_/),
    ]);
  });

  it("the tls provider is configured because this stack generates the certificate, and only then", () => {
    expect(stack.config.emr.inTransitEncryption.certificateSource).toBe("generated");
    expect(tf.provider.tls).toEqual([{}]);
    expect(synthEnv("dev").tf.provider.tls).toBeUndefined(); // dev: no TLS in transit, nothing generated
  });
});

describe("config variants", () => {
  it("us-east-1 certificates cover *.ec2.internal", () => {
    expect(internalDomain("us-east-1")).toBe("*.ec2.internal");
    expect(internalDomain("eu-central-1")).toBe("*.eu-central-1.compute.internal");
    const { tf } = synthEnv("dev", { region: "us-east-1", emr: { inTransitEncryption: { enabled: true } } });
    expect(resource(tf, "tls_self_signed_cert", "emr_security_tls-cert").dns_names).toEqual(["*.ec2.internal"]);
  });

  it("a user-supplied PEM zip is referenced as is, and nothing is generated", () => {
    const uri = "s3://acme-pki/emr/dev.zip";
    const { tf } = synthEnv("dev", { emr: { inTransitEncryption: { enabled: true, certificateSource: "s3", certificateS3Uri: uri } } });
    const sc = securityConfiguration(tf);
    expect(sc.EncryptionConfiguration.EnableInTransitEncryption).toBe(true);
    expect(sc.EncryptionConfiguration.InTransitEncryptionConfiguration.TLSCertificateConfiguration).toEqual({
      CertificateProviderType: "PEM",
      S3Object: uri,
    });
    expect(tf.resource.tls_private_key).toBeUndefined();
    expect(tf.provider.tls).toBeUndefined();
    // The only archive is the job package: no certificate zip.
    expect(Object.keys(tf.data.archive_file)).toEqual([expect.stringMatching(/^spark-jobs_package-zip_/)]);
  });

  it("the memory-optimized profile brings r-family fleets and its Spark settings; overrides win", () => {
    const { tf } = synthEnv("dev", {
      emr: { workloadProfile: "memory-optimized", sparkDefaults: { "spark.sql.autoBroadcastJoinThreshold": "32m" }, applications: ["Hadoop", "Spark", "Hive"] },
    });
    const rjf = createCluster(tf).Parameters;
    const core = rjf.Instances.InstanceFleets.find((f: any) => f.InstanceFleetType === "CORE");
    for (const t of core.InstanceTypeConfigs) expect(t.InstanceType).toMatch(/^r/);
    const configs = rjf.Configurations as EmrConfiguration[];
    expect(classification(configs, "spark-defaults")?.Properties).toMatchObject({
      "spark.executor.memoryOverheadFactor": "0.2",
      "spark.sql.autoBroadcastJoinThreshold": "32m",
      "spark.dynamicAllocation.enabled": "true",
    });
    expect(classification(configs, "yarn-site")?.Properties).toMatchObject({ "yarn.scheduler.minimum-allocation-mb": "2048" });
    expect(classification(configs, "hive-site")?.Properties).toEqual({ "hive.metastore.client.factory.class": GLUE_METASTORE_FACTORY });
  });

  it("a spot core fleet (allowed in dev) gets a spot specification that falls back to on-demand", () => {
    const { tf } = synthEnv("dev", { emr: { fleets: { core: { targetOnDemandCapacity: 1, targetSpotCapacity: 2 } } } });
    const core = createCluster(tf).Parameters.Instances.InstanceFleets.find((f: any) => f.InstanceFleetType === "CORE");
    expect(core.TargetSpotCapacity).toBe(2);
    expect(core.LaunchSpecifications.SpotSpecification.TimeoutAction).toBe("SWITCH_TO_ON_DEMAND");
  });
});
