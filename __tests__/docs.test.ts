import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DOC_PATHS, renderJsonSchema, renderMarkdown } from "../scripts/gen-config-docs";

describe("generated configuration docs", () => {
  it("docs/configuration.md is up to date with envs/schema.ts (run `npm run docs:config`)", () => {
    expect(readFileSync(DOC_PATHS.markdown, "utf8")).toBe(renderMarkdown());
  });

  it("docs/env-config.schema.json is up to date with envs/schema.ts (run `npm run docs:config`)", () => {
    expect(readFileSync(DOC_PATHS.jsonSchema, "utf8")).toBe(renderJsonSchema());
  });

  it("documents every top-level field", () => {
    const schema = JSON.parse(renderJsonSchema());
    for (const key of Object.keys(schema.properties)) expect(renderMarkdown()).toContain(`| \`${key}\` |`);
  });
});
