/**
 * EmrSecurity on a bare stack (with the key, a minimal network and, for a generated certificate,
 * the artifacts bucket and the tls/archive providers): the security configuration as literal
 * JSON, the in-transit certificate in its three forms, and three EMR-managed security groups
 * whose rules are group-to-group inside the cluster and egress only to the VPC and S3.
 */
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { TerraformOutput } from "cdktf";
import { describe, expect, it } from "vitest";
import { EmrSecurity, internalDomain, type EmrSecurityProps, type InTransitCertificate } from "../../modules/emr-security";
import { SecureBucket } from "../../modules/secure-bucket";
import { bareStack, synthBare, testKey } from "../support/bare-stack";
import { dataSource, resource, resources, type TerraformJson } from "../support/terraform-json";

const NETWORK = { vpcId: "vpc-0123456789abcdef0", vpcCidr: "10.0.0.0/16", s3PrefixListId: "pl-6ea54007" };
const EMR_TAG = { "for-use-with-amazon-emr-managed-policies": "true" };
const KEY_ARN = /^\$\{aws_kms_key\.key_[0-9A-F]{8}\.arn\}$/;

type Certificate = "off" | "generated" | "s3";

function build(certificate: Certificate, props: Partial<EmrSecurityProps> & { generated?: Partial<Extract<InTransitCertificate, { source: "generated" }>> } = {}) {
  const stack = bareStack();
  const key = testKey(stack);
  let inTransitEncryption: EmrSecurityProps["inTransitEncryption"] = false;
  let artifacts: SecureBucket | undefined;
  if (certificate === "generated") {
    new TlsProvider(stack, "tls");
    new ArchiveProvider(stack, "archive");
    artifacts = new SecureBucket(stack, "artifacts", { bucketName: "test-artifacts", label: "Artifacts", encryption: { kind: "kms", key } });
    inTransitEncryption = { certificate: { source: "generated", bucket: artifacts, ...props.generated } };
  } else if (certificate === "s3") {
    inTransitEncryption = { certificate: { source: "s3", s3Uri: "s3://test-certificates/emr/certificates.zip" } };
  }
  const { generated: _, ...rest } = props;
  const security = new EmrSecurity(stack, "security", {
    namePrefix: "test",
    securityGroupNamePrefixes: { master: "test-emr-master-", core: "test-emr-core-", serviceAccess: "test-emr-service-access-" },
    securityConfigurationNamePrefix: "test-emr-",
    region: "eu-central-1",
    network: NETWORK,
    key,
    inTransitEncryption,
    ...rest,
  });
  return { stack, security, artifacts };
}

const configurationOf = (tf: TerraformJson) => resource(tf, "aws_emr_security_configuration", "security_configuration");
const jsonOf = (tf: TerraformJson) => JSON.parse(configurationOf(tf).configuration);

/** `master`, `core` or `service-access` for a reference to one of the three groups. */
function groupOf(reference: string): string {
  const m = /^\$\{aws_security_group\.security_(master|core|service-access)-sg_[0-9A-F]{8}\.id\}$/.exec(reference);
  if (!m) throw new Error(`not a reference to one of the cluster's groups: ${reference}`);
  return m[1];
}

/** A rule as one line: `<group> <- <source>` or `<group> -> <destination>`, with protocol and port. */
function describeRule(r: any, direction: "<-" | "->"): string {
  const peer = r.referenced_security_group_id !== undefined ? groupOf(r.referenced_security_group_id) : (r.cidr_ipv4 ?? r.prefix_list_id);
  const port = r.ip_protocol === "-1" ? "all" : `${r.ip_protocol}/${r.from_port}-${r.to_port}`;
  return `${groupOf(r.security_group_id)} ${direction} ${peer} ${port}`;
}

describe("EmrSecurity defaults", () => {
  const { stack, security } = build("generated");
  const { tf, snapshot } = synthBare(stack);
  const ingress = resources(tf, "aws_vpc_security_group_ingress_rule").map(([, r]) => r);
  const egress = resources(tf, "aws_vpc_security_group_egress_rule").map(([, r]) => r);

  it("matches its snapshot", async () => {
    await expect(snapshot).toMatchFileSnapshot("__snapshots__/emr-security.tf.json");
  });

  it("the security configuration is replaced before it is destroyed, and waits for the certificate", () => {
    expect(configurationOf(tf)).toMatchObject({
      name_prefix: "test-emr-",
      lifecycle: { create_before_destroy: true },
      depends_on: [expect.stringMatching(/^aws_s3_object\.security_tls-object_[0-9A-F]{8}$/)],
    });
  });

  it("encrypts EMRFS with SSE-KMS and local disks (EBS included) under the key", () => {
    const { EncryptionConfiguration: encryption } = jsonOf(tf);
    expect(encryption.EnableAtRestEncryption).toBe(true);
    expect(encryption.AtRestEncryptionConfiguration).toEqual({
      S3EncryptionConfiguration: { EncryptionMode: "SSE-KMS", AwsKmsKey: expect.stringMatching(KEY_ARN) },
      LocalDiskEncryptionConfiguration: { EncryptionKeyProviderType: "AwsKms", AwsKmsKey: expect.stringMatching(KEY_ARN), EnableEbsEncryption: true },
    });
  });

  it("requires IMDSv2 with a hop limit of 1", () => {
    expect(jsonOf(tf).InstanceMetadataServiceConfiguration).toEqual({ MinimumInstanceMetadataServiceVersion: 2, HttpPutResponseHopLimit: 1 });
  });

  it("turns TLS in transit on with the staged PEM zip", () => {
    const { EncryptionConfiguration: encryption } = jsonOf(tf);
    expect(encryption.EnableInTransitEncryption).toBe(true);
    expect(encryption.InTransitEncryptionConfiguration).toEqual({
      TLSCertificateConfiguration: {
        CertificateProviderType: "PEM",
        S3Object: expect.stringMatching(/^s3:\/\/\$\{aws_s3_bucket\.artifacts_bucket_[0-9A-F]{8}\.bucket\}\/\$\{aws_s3_object\.security_tls-object_[0-9A-F]{8}\.key\}$/),
      },
    });
  });

  it("generates an RSA 2048 key and a one-year certificate for the region's internal domain, renewed 30 days early", () => {
    expect(resource(tf, "tls_private_key", "security_tls-key")).toEqual({ algorithm: "RSA", rsa_bits: 2048 });
    expect(resource(tf, "tls_self_signed_cert", "security_tls-cert")).toEqual({
      private_key_pem: expect.stringMatching(/^\$\{tls_private_key\.security_tls-key_[0-9A-F]{8}\.private_key_pem\}$/),
      subject: [{ common_name: "*.eu-central-1.compute.internal", organization: "MarketPulse" }],
      dns_names: ["*.eu-central-1.compute.internal"],
      validity_period_hours: 8760,
      early_renewal_hours: 720,
      allowed_uses: ["key_encipherment", "digital_signature", "server_auth", "client_auth"],
    });
  });

  it("zips the key and certificate under the file names EMR looks for, owner-only", () => {
    const zip = dataSource(tf, "archive_file", "security_tls-zip");
    expect(zip).toMatchObject({ type: "zip", output_path: "emr-tls/test-certificates.zip", output_file_mode: "0600" });
    expect(zip.source).toEqual([
      { filename: "privateKey.pem", content: expect.stringMatching(/^\$\{tls_private_key\.security_tls-key_\w+\.private_key_pem\}$/) },
      { filename: "certificateChain.pem", content: expect.stringMatching(/^\$\{tls_self_signed_cert\.security_tls-cert_\w+\.cert_pem\}$/) },
      { filename: "trustedCertificates.pem", content: expect.stringMatching(/^\$\{tls_self_signed_cert\.security_tls-cert_\w+\.cert_pem\}$/) },
    ]);
  });

  it("stages the zip SSE-KMS in the given bucket under emr/tls/<namePrefix>/<certificate serial>.zip", () => {
    expect(resource(tf, "aws_s3_object", "security_tls-object")).toEqual({
      bucket: expect.stringMatching(/^\$\{aws_s3_bucket\.artifacts_bucket_[0-9A-F]{8}\.bucket\}$/),
      key: expect.stringMatching(/^emr\/tls\/test\/\$\{tls_self_signed_cert\.security_tls-cert_[0-9A-F]{8}\.id\}\.zip$/),
      source: expect.stringMatching(/^\$\{data\.archive_file\.security_tls-zip_[0-9A-F]{8}\.output_path\}$/),
      source_hash: expect.stringMatching(/^\$\{data\.archive_file\.security_tls-zip_[0-9A-F]{8}\.output_base64sha256\}$/),
      server_side_encryption: "aws:kms",
      kms_key_id: expect.stringMatching(KEY_ARN),
      bucket_key_enabled: true,
      content_type: "application/zip",
    });
    expect(security.certificateObject?.node.id).toBe("tls-object");
  });

  it("exposes the certificate URI and the configuration's name as references", () => {
    const { stack: s, security: sec } = build("generated");
    new TerraformOutput(s, "uri", { value: sec.certificateS3Uri });
    new TerraformOutput(s, "name", { value: sec.securityConfigurationName });
    const { output } = synthBare(s).tf;
    expect(output.uri.value).toMatch(/^s3:\/\/\$\{aws_s3_bucket\.artifacts_bucket_\w+\.bucket\}\/\$\{aws_s3_object\.security_tls-object_\w+\.key\}$/);
    expect(output.name.value).toMatch(/^\$\{aws_emr_security_configuration\.security_configuration_[0-9A-F]{8}\.name\}$/);
  });

  it("three groups, each with a name prefix, replaced before destroyed, revoking rules on delete, EMR-tagged", () => {
    const groups = Object.fromEntries(resources(tf, "aws_security_group").map(([n, g]) => [/security_([a-z-]+)-sg_/.exec(n)![1], g]));
    expect(Object.keys(groups).sort()).toEqual(["core", "master", "service-access"]);
    const common = { vpc_id: "vpc-0123456789abcdef0", revoke_rules_on_delete: true, lifecycle: { create_before_destroy: true } };
    expect(groups.master).toMatchObject({ ...common, name_prefix: "test-emr-master-", tags: { Name: "test-emr-master", ...EMR_TAG } });
    expect(groups.core).toMatchObject({ ...common, name_prefix: "test-emr-core-", tags: { Name: "test-emr-core", ...EMR_TAG } });
    expect(groups["service-access"]).toMatchObject({ ...common, name_prefix: "test-emr-service-access-", tags: { Name: "test-emr-service-access", ...EMR_TAG } });
    for (const g of Object.values(groups)) {
      expect(g).not.toHaveProperty("name");
      expect(g).not.toHaveProperty("ingress");
      expect(g).not.toHaveProperty("egress");
    }
  });

  it("ingress is only from the cluster's own groups: node to node, EMR on 8443, and 9443 from the primary node", () => {
    expect(ingress.map((r) => describeRule(r, "<-")).sort()).toEqual([
      "core <- core all",
      "core <- master all",
      "core <- service-access tcp/8443-8443",
      "master <- core all",
      "master <- master all",
      "master <- service-access tcp/8443-8443",
      "service-access <- master tcp/9443-9443",
    ]);
  });

  it("no ingress rule admits an address range or a prefix list", () => {
    for (const r of ingress) {
      expect(r).not.toHaveProperty("cidr_ipv4");
      expect(r).not.toHaveProperty("cidr_ipv6");
      expect(r).not.toHaveProperty("prefix_list_id");
    }
  });

  it("egress is only to the VPC CIDR, the S3 prefix list on 443, and the cluster's own groups", () => {
    expect(egress.map((r) => describeRule(r, "->")).sort()).toEqual([
      "core -> 10.0.0.0/16 all",
      "core -> pl-6ea54007 tcp/443-443",
      "master -> 10.0.0.0/16 all",
      "master -> pl-6ea54007 tcp/443-443",
      "service-access -> core tcp/8443-8443",
      "service-access -> master tcp/8443-8443",
    ]);
    for (const r of egress) expect(r).not.toHaveProperty("cidr_ipv6");
  });

  it("rules lists every rule, for a cluster to wait for", () => {
    expect(security.rules).toHaveLength(13);
    expect(security.rules.length).toBe(ingress.length + egress.length);
  });

  // EC2 accepts only a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$* in security group and rule
  // descriptions; the provider does not check, so a bad one fails only at apply.
  it("every group and rule description uses only characters EC2 accepts", () => {
    const allowed = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
    const descriptions = [...resources(tf, "aws_security_group"), ...resources(tf, "aws_vpc_security_group_ingress_rule"), ...resources(tf, "aws_vpc_security_group_egress_rule")].map(
      ([, r]) => r.description as string,
    );
    expect(descriptions.filter((d) => !allowed.test(d))).toEqual([]);
  });
});

describe("EmrSecurity in-transit options", () => {
  it("off: in-transit encryption disabled, no certificate resources, nothing to wait for", () => {
    const { stack, security } = build("off");
    const { tf } = synthBare(stack);
    const { EncryptionConfiguration: encryption } = jsonOf(tf);
    expect(encryption.EnableInTransitEncryption).toBe(false);
    expect(encryption).not.toHaveProperty("InTransitEncryptionConfiguration");
    expect(encryption.EnableAtRestEncryption).toBe(true);
    for (const type of ["tls_private_key", "tls_self_signed_cert", "aws_s3_object"]) expect(tf.resource[type], type).toBeUndefined();
    expect(tf.data?.archive_file).toBeUndefined();
    expect(configurationOf(tf)).not.toHaveProperty("depends_on");
    expect(security.certificateObject).toBeUndefined();
    expect(security.certificateS3Uri).toBeUndefined();
  });

  it("s3: the given zip is used as is, and nothing is generated", () => {
    const { stack, security } = build("s3");
    const { tf } = synthBare(stack);
    expect(jsonOf(tf).EncryptionConfiguration).toMatchObject({
      EnableInTransitEncryption: true,
      InTransitEncryptionConfiguration: { TLSCertificateConfiguration: { CertificateProviderType: "PEM", S3Object: "s3://test-certificates/emr/certificates.zip" } },
    });
    for (const type of ["tls_private_key", "tls_self_signed_cert", "aws_s3_object"]) expect(tf.resource[type], type).toBeUndefined();
    expect(configurationOf(tf)).not.toHaveProperty("depends_on");
    expect(security.certificateS3Uri).toBe("s3://test-certificates/emr/certificates.zip");
    expect(security.certificateObject).toBeUndefined();
  });

  it("generated: keyPrefix and validityDays are honoured", () => {
    const { stack } = build("generated", { generated: { keyPrefix: "certs/emr", validityDays: 90 } });
    const { tf } = synthBare(stack);
    expect(resource(tf, "aws_s3_object", "security_tls-object").key).toMatch(/^certs\/emr\/\$\{tls_self_signed_cert\.security_tls-cert_\w+\.id\}\.zip$/);
    expect(resource(tf, "tls_self_signed_cert", "security_tls-cert").validity_period_hours).toBe(2160);
  });

  it("generated in us-east-1: the certificate is for *.ec2.internal", () => {
    const { stack } = build("generated", { region: "us-east-1" });
    const cert = resource(synthBare(stack).tf, "tls_self_signed_cert", "security_tls-cert");
    expect(cert.subject[0].common_name).toBe("*.ec2.internal");
    expect(cert.dns_names).toEqual(["*.ec2.internal"]);
  });
});

describe("EmrSecurity options", () => {
  it("imdsHopLimit raises the IMDSv2 hop limit, still requiring v2", () => {
    const { stack } = build("off", { imdsHopLimit: 2 });
    expect(jsonOf(synthBare(stack).tf).InstanceMetadataServiceConfiguration).toEqual({ MinimumInstanceMetadataServiceVersion: 2, HttpPutResponseHopLimit: 2 });
  });

  it("the VPC CIDR and S3 prefix list come from the network", () => {
    const { stack } = build("off", { network: { vpcId: "vpc-0fedcba9876543210", vpcCidr: "172.16.0.0/20", s3PrefixListId: "pl-0123abcd" } });
    const { tf } = synthBare(stack);
    const egress = resources(tf, "aws_vpc_security_group_egress_rule").map(([, r]) => r);
    expect(egress.filter((r) => r.cidr_ipv4 !== undefined).map((r) => r.cidr_ipv4)).toEqual(["172.16.0.0/20", "172.16.0.0/20"]);
    expect(egress.filter((r) => r.prefix_list_id !== undefined).map((r) => r.prefix_list_id)).toEqual(["pl-0123abcd", "pl-0123abcd"]);
    for (const [, g] of resources(tf, "aws_security_group")) expect(g.vpc_id).toBe("vpc-0fedcba9876543210");
  });
});

describe("internalDomain", () => {
  it("is *.ec2.internal in us-east-1 and *.<region>.compute.internal elsewhere", () => {
    expect(internalDomain("us-east-1")).toBe("*.ec2.internal");
    expect(internalDomain("us-east-2")).toBe("*.us-east-2.compute.internal");
    expect(internalDomain("eu-central-1")).toBe("*.eu-central-1.compute.internal");
  });
});
