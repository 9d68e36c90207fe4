/**
 * Generates the configuration reference (docs/configuration.md) and the JSON Schema of an
 * environment config (docs/env-config.schema.json) from envs/schema.ts. Never edit those
 * files by hand: run `npm run docs:config`. A test fails when they are stale.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { CROSS_ENV_RULES } from "../envs";
import type { ConfigRule } from "../envs/rules";
import { ENV_RULES, envConfigSchema } from "../envs/schema";

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
};

export const DOC_PATHS = {
  markdown: join(__dirname, "..", "docs", "configuration.md"),
  jsonSchema: join(__dirname, "..", "docs", "env-config.schema.json"),
};

export function renderJsonSchema(): string {
  const schema = z.toJSONSchema(envConfigSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, title: "MarketPulse environment configuration" }, null, 2)}\n`;
}

export function renderMarkdown(): string {
  const schema = JSON.parse(renderJsonSchema()) as JsonSchema;
  const rows: string[] = [];
  walk(schema, "", rows, true);
  return [
    "# Configuration reference",
    "",
    "<!-- Generated from envs/schema.ts by `npm run docs:config`. Do not edit by hand. -->",
    "",
    "Each environment is one file in `envs/` (`dev.ts`, `prod.ts`) that `export default`s an object of",
    "this shape. Every object is strict: an unknown key is an error. Validation errors name the field as",
    "`<env>.<dotted.path>: <what was expected>`, every problem at once, and nothing is synthesized.",
    "The machine-readable form is [env-config.schema.json](env-config.schema.json).",
    "",
    "Rules that span fields (refinements) are listed after the table.",
    "",
    "| Field | Type | Required | Default | Description |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    "## Rules across fields",
    "",
    "Each rule is one entry in `envs/` with a stable code, the field it is about and the sentence below.",
    "A violation is reported on that field (or an item of it), one line per problem.",
    "",
    ...ruleTable(ENV_RULES),
    "",
    "## Rules across environments",
    "",
    "Checked once every environment is valid on its own (`envs/index.ts`).",
    "",
    ...ruleTable(CROSS_ENV_RULES),
    "",
  ].join("\n");
}

function ruleTable(rules: readonly Pick<ConfigRule<unknown>, "code" | "path" | "description">[]): string[] {
  const cell = (c: string) => c.replace(/\|/g, "\\|");
  return ["| Field | Rule | Code |", "|---|---|---|", ...rules.map((r) => `| \`${r.path}\` | ${cell(r.description)} | \`${r.code}\` |`)];
}

function walk(s: JsonSchema, path: string, rows: string[], required: boolean): void {
  const variants = s.oneOf ?? s.anyOf;
  if (s.properties) {
    if (path) rows.push(row(path, s, "object", required));
    const req = new Set(s.required ?? []);
    for (const [key, child] of Object.entries(s.properties)) walk(child, path ? `${path}.${key}` : key, rows, req.has(key));
    return;
  }
  if (variants && variants.every((v) => v.properties?.type?.const !== undefined)) {
    rows.push(row(path, s, `one of: ${variants.map((v) => `\`${v.properties!.type.const}\``).join(", ")}`, required));
    for (const v of variants) {
      const tag = String(v.properties!.type.const);
      const req = new Set(v.required ?? []);
      for (const [key, child] of Object.entries(v.properties!)) {
        if (key === "type") continue;
        walk(child, `${path}.${key} (type: ${tag})`, rows, req.has(key));
      }
    }
    return;
  }
  rows.push(row(path, s, typeOf(s), required));
}

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.length > 8 ? `enum (${s.enum.length} values, see the JSON Schema)` : s.enum.map((e) => `\`${e}\``).join(" \\| ");
  if (s.type === "array" && s.items) return `array of ${typeOf(s.items)}`;
  const bounded = (n?: number) => (n !== undefined && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : undefined);
  const [min, max] = [bounded(s.minimum), bounded(s.maximum)];
  const range = min !== undefined || max !== undefined ? ` (${min ?? ""}..${max ?? ""})` : "";
  return `${Array.isArray(s.type) ? s.type.join("/") : (s.type ?? "any")}${range}`;
}

function row(path: string, s: JsonSchema, type: string, required: boolean): string {
  // An object's default is the sum of its fields' defaults, shown on their rows.
  const def = s.default === undefined || type === "object" ? "" : `\`${JSON.stringify(s.default)}\``;
  const cells = [`\`${path}\``, type, required && s.default === undefined ? "yes" : "no", def, s.description ?? ""];
  return `| ${cells.map((c) => c.replace(/\|/g, "\\|").replace(/\\\\\|/g, "\\|")).join(" | ")} |`;
}

if (require.main === module) {
  writeFileSync(DOC_PATHS.markdown, renderMarkdown());
  writeFileSync(DOC_PATHS.jsonSchema, renderJsonSchema());
  console.log(`wrote ${DOC_PATHS.markdown} and ${DOC_PATHS.jsonSchema}`);
}
