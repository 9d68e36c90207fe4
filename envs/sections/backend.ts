/** `backend`: where Terraform state lives. */
import { z } from "zod";
import { COMMERCIAL_REGIONS, roleArn } from "../fields";
import type { ConfigRule } from "../rules";
import type { EnvConfig } from "../schema";
import { prodRule } from "./production";

const localBackend = z
  .strictObject({
    type: z.literal("local").describe("Local state file, the default: synth and plan work with nothing set up."),
    path: z
      .string()
      .min(1)
      .optional()
      .describe("State file path, relative to the stack folder. Default: terraform.<stack>.tfstate."),
  })
  .describe("Local state (development only).");

const s3Backend = z
  .strictObject({
    type: z.literal("s3"),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name")
      .describe("State bucket. Required. Create it first (docs/operations.md)."),
    key: z
      .string()
      .regex(/^[\w!\-.*'()/]+\.tfstate$/, "expected an object key ending in .tfstate")
      .describe("State object key; unique per environment. Required."),
    region: z.enum(COMMERCIAL_REGIONS).describe("Region of the state bucket. Required."),
    roleArn: roleArn.optional().describe("Role the backend assumes to read and write state. Default: none."),
    useLockfile: z
      .literal(true)
      .default(true)
      .describe("S3-native state locking (use_lockfile). Must stay true. Default: true."),
    encrypt: z.literal(true).default(true).describe("Server-side encryption of the state object. Must stay true. Default: true."),
    kmsKeyId: z
      .string()
      .regex(/^arn:aws:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/-]+$/, "expected a KMS key or alias ARN")
      .optional()
      .describe("KMS key for the state object. Default: SSE-S3."),
  })
  .describe("S3 state with S3-native locking and encryption.");

const cloudBackend = z
  .strictObject({
    type: z.literal("cloud"),
    organization: z.string().min(1).describe("Terraform Cloud / HCP Terraform organization. Required."),
    workspace: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,90}$/, "expected a workspace name (letters, digits, - and _)")
      .describe("Workspace of this environment; unique per environment. Required."),
    hostname: z.string().min(1).default("app.terraform.io").describe("Terraform Cloud / Enterprise host. Default: app.terraform.io."),
  })
  .describe("Terraform Cloud (HCP Terraform) workspace, CLI- or VCS-driven.");

export const backendSchema = z
  .discriminatedUnion("type", [localBackend, s3Backend, cloudBackend])
  .prefault({ type: "local" })
  .describe("Where Terraform state lives: local, s3 or cloud. Default: local.");

export const backendRules: ConfigRule<EnvConfig>[] = [
  prodRule("prod-remote-state", "backend.type", "remote state (s3 or cloud), not local", (c) => c.backend.type === "local"),
];
