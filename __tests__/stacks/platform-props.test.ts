/**
 * toPlatformProps without a synth: the mapping from a validated config to every module's props.
 */
import { describe, expect, it } from "vitest";
import { parseEnvConfig } from "../../envs";
import { toPlatformProps } from "../../stacks/platform-props";
import { RAW_ENVS } from "../support/synth";

const props = (env: "dev" | "prod", patch: Record<string, unknown> = {}) => toPlatformProps(parseEnvConfig({ ...RAW_ENVS[env], ...patch }));

describe("toPlatformProps", () => {
  it("is pure: the same config gives equal props, and the config is not modified", () => {
    const cfg = parseEnvConfig(RAW_ENVS.dev);
    const before = JSON.stringify(cfg);
    expect(toPlatformProps(cfg)).toEqual(toPlatformProps(cfg));
    expect(JSON.stringify(cfg)).toBe(before);
  });

  it("pins the provider to the environment's account and tags everything", () => {
    const p = props("prod");
    expect(p.provider).toEqual({
      region: "eu-west-1",
      allowedAccountIds: ["222222222222"],
      assumeRole: undefined,
      defaultTags: { project: "marketpulse", environment: "prod", owner: "marketpulse-data-platform", "cost-center": "mp-prod-1001", "managed-by": "cdktf" },
    });
    expect(props("dev", { deployRoleArn: "arn:aws:iam::111111111111:role/deploy" }).provider.assumeRole).toEqual({
      roleArn: "arn:aws:iam::111111111111:role/deploy",
      sessionName: "marketpulse-dev-deploy",
    });
  });

  it("resolves the local backend's default path, and passes remote backends through", () => {
    expect(props("dev").backend).toEqual({ type: "local", path: "terraform.marketpulse-dev.tfstate" });
    expect(props("prod").backend).toMatchObject({ type: "s3", key: "marketpulse/prod/terraform.tfstate", useLockfile: true, encrypt: true });
  });

  it("takes every name from envs/naming.ts", () => {
    const p = props("dev");
    expect(p.key.alias).toBe("marketpulse-dev");
    expect(p.key.logGroupPrefix).toBe("/marketpulse/dev");
    expect(p.network.flowLogGroupName).toBe("/marketpulse/dev/vpc-flow-logs");
    expect(p.network.flowLogRoleName).toBe("marketpulse-dev-vpc-flow-logs");
    expect(p.network.endpointSecurityGroupNamePrefix).toBe("marketpulse-dev-vpc-endpoints-");
    expect(p.emrIam.roleNames).toEqual({ service: "marketpulse-dev-emr-service", instance: "marketpulse-dev-emr-instance" });
    expect(p.emrIam.logGroupPrefix).toBe("/marketpulse/dev/emr");
    expect(p.emrIam.metricNamespaces).toEqual(["marketpulse/dev"]);
    expect(p.emr.jobLogGroup.name).toBe("/marketpulse/dev/emr/jobs");
    expect(p.emr.security.securityGroupNamePrefixes).toEqual({
      master: "marketpulse-dev-emr-master-",
      core: "marketpulse-dev-emr-core-",
      serviceAccess: "marketpulse-dev-emr-service-access-",
    });
    expect(p.monitoring.names).toMatchObject({
      topic: "marketpulse-dev-alerts",
      alarmPrefix: "marketpulse-dev-",
      emrFailureRule: "marketpulse-dev-emr-failures",
      pipelineFailureRule: "marketpulse-dev-pipeline-failures",
    });
    expect(p.pipeline.names).toEqual({
      stateMachine: "marketpulse-dev-pipeline",
      role: "marketpulse-dev-pipeline",
      logGroup: "/marketpulse/dev/pipeline",
      schedule: "marketpulse-dev-pipeline",
      schedulerRole: "marketpulse-dev-pipeline-scheduler",
      deadLetterQueue: "marketpulse-dev-pipeline-dlq",
      clusterNamePrefix: "marketpulse-dev",
    });
    expect(p.sparkJobs.locations).toEqual({
      bronze: "s3://marketpulse-dev-bronze-111111111111",
      silver: "s3://marketpulse-dev-silver-111111111111",
      gold: "s3://marketpulse-dev-gold-111111111111",
      quarantine: "s3://marketpulse-dev-silver-111111111111/quarantine",
    });
  });

  it("a bucket prefix renames every bucket and every location built from it", () => {
    const p = props("dev", { dataLake: { bucketPrefix: "acme-mp" } });
    expect(p.lake.bucketNames.bronze).toBe("acme-mp-bronze-111111111111");
    expect(p.logs.bucketName).toBe("acme-mp-logs-111111111111");
    expect(p.sparkJobs.locations.quarantine).toBe("s3://acme-mp-silver-111111111111/quarantine");
  });

  it("resolves the workload profile's instance types where a fleet does not override them", () => {
    const p = props("prod");
    expect(p.emr.fleets.core.instanceTypes.map((t) => t.instanceType)).toEqual(["m5.2xlarge", "m6i.2xlarge", "m5a.2xlarge"]);
    expect(p.emr.fleets.task.instanceTypes.length).toBeGreaterThanOrEqual(3);
    expect(p.emr.software.pysparkPython).toBe("/usr/bin/python3.11");
  });

  it("schedules runs in prod by default and not in dev; freshness and no-input alarms only with a schedule", () => {
    expect(props("prod").pipeline.schedule).toMatchObject({ enabled: true, expression: "cron(0 2 * * ? *)", timezone: "UTC" });
    expect(props("prod").monitoring.pipeline).toMatchObject({ freshnessHours: 26, noInputDays: 3 });
    expect(props("dev").pipeline.schedule.enabled).toBe(false);
    expect(props("dev").monitoring.pipeline.freshnessHours).toBeUndefined();
    const scheduledDev = props("dev", { pipeline: { ...RAW_ENVS.dev.pipeline, schedule: { enabled: true } } });
    expect(scheduledDev.pipeline.schedule.enabled).toBe(true);
    expect(scheduledDev.monitoring.pipeline.freshnessHours).toBe(26);
  });

  it("a synthetic feed stages generate and lets the cluster write Bronze; without one the cluster only reads it", () => {
    const dev = props("dev");
    expect(dev.sparkJobs.generate).toEqual({ symbols: 5, seed: 42, ticksPerHour: 60, defectRate: 0.01 });
    expect(dev.emrIam.writeLayers).toEqual(["bronze", "silver", "gold"]);
    const prod = props("prod");
    expect(prod.sparkJobs.generate).toBeUndefined();
    expect(prod.emrIam.readLayers).toEqual(["bronze"]);
    expect(prod.emrIam.writeLayers).toEqual(["silver", "gold"]);
  });

  it("gives the pipeline's clusters the environment's tags (RunJobFlow clusters get no provider default_tags)", () => {
    expect(props("prod").emr.tags).toEqual(props("prod").provider.defaultTags);
    expect(props("prod").pipeline.environmentTag).toEqual({ key: "environment", value: "prod" });
    expect(props("prod").emr.longRunning).toBeUndefined();
  });

  it("generates a certificate only where TLS is on and no PEM zip is supplied", () => {
    expect(props("dev").generatesCertificate).toBe(false);
    expect(props("dev").emr.security.inTransitEncryption).toBe(false);
    expect(props("prod").generatesCertificate).toBe(true);
    expect(props("prod").emr.security.inTransitEncryption).toEqual({ certificate: { source: "generated" } });
    const supplied = props("prod", { emr: { ...RAW_ENVS.prod.emr, inTransitEncryption: { enabled: true, certificateSource: "s3", certificateS3Uri: "s3://pki/emr.zip" } } });
    expect(supplied.generatesCertificate).toBe(false);
    expect(supplied.emr.security.inTransitEncryption).toEqual({ certificate: { source: "s3", s3Uri: "s3://pki/emr.zip" } });
  });
});
