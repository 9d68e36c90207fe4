/**
 * The lock file must let `npm ci` install on any platform. npm refuses a lock that leaves out
 * an optional dependency of a locked package ("Missing: @rollup/rollup-android-arm-eabi from
 * lock file"), which is what a lock regenerated on one machine with an old lock in place did.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..");
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; optionalDependencies?: Record<string, string> }>;
};
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Where npm would resolve `name` from the package at `from` (node_modules lookup upwards). */
function resolveFrom(from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up < 0 ? "" : dir.slice(0, up);
  }
}

describe("package-lock.json", () => {
  it("lists every optional dependency of every locked package, for every platform", () => {
    const missing = Object.entries(lock.packages).flatMap(([path, entry]) =>
      Object.keys(entry.optionalDependencies ?? {})
        .filter((name) => resolveFrom(path, name) === undefined)
        .map((name) => `${name} (optional dependency of ${path || "the root"})`),
    );
    expect(missing).toEqual([]);
  });

  it("locks the platform packages of other operating systems too (the case a one-platform lock loses)", () => {
    for (const name of ["@rollup/rollup-darwin-arm64", "@rollup/rollup-win32-x64-msvc", "@esbuild/darwin-arm64"]) {
      expect(lock.packages[`node_modules/${name}`], name).toBeDefined();
    }
  });

  it("pins every direct dependency exactly, and the lock agrees", () => {
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    }
  });
});
