/**
 * moto in server mode, from the project's Python virtualenv (spark-jobs/.venv, whose `dev`
 * extra pins moto[server]), as a local AWS for tests: bound to 127.0.0.1 on a free port, with
 * fake credentials, stopped by the test that started it.
 *
 * Fixtures that the CLI under test does not own (a bucket, an object, a metric read) go through
 * boto3, which moto installs into the same venv: a real SDK, so requests are signed and routed
 * the way AWS's are, without adding an npm dependency per service.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VENV_BIN } from "./venv";

const MOTO_SERVER = join(VENV_BIN, "moto_server");

/** Credentials moto accepts and AWS never would. */
export const FAKE_CREDENTIALS = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" } as const;

/** An environment for a child process talking to `endpoint`: nothing of the caller's AWS setup. */
export function awsEnv(endpoint: string, region: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
  const none = join(tmpdir(), "marketpulse-no-aws-config");
  return {
    ...env,
    ...FAKE_CREDENTIALS,
    AWS_REGION: region,
    AWS_ENDPOINT_URL: endpoint,
    // No profile, config file or instance metadata of the machine's may take part.
    AWS_CONFIG_FILE: none,
    AWS_SHARED_CREDENTIALS_FILE: none,
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

export interface Moto {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Switches on execute mode: state machines created after this really run their definition. */
  executeStateMachines(): Promise<void>;
  /** Runs boto3 calls, in order, against this server: `[service, method, params]` each. */
  boto3(region: string, calls: readonly (readonly [string, string, Record<string, unknown>])[]): Promise<any[]>;
  stop(): Promise<void>;
}

/** Starts moto_server on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(
      `${MOTO_SERVER} not found: spark-jobs/.venv lacks moto[server] (the dev extra of spark-jobs/pyproject.toml), ` +
        "which vitest's globalSetup (__tests__/support/venv.ts) installs",
    );
  }
  const logDir = mkdtempSync(join(tmpdir(), "mp-moto-"));
  const logFile = join(logDir, "moto.log");
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // The log goes to a file, not a pipe: moto logs every request, and a pipe nobody drains
  // would block it.
  const log = openSync(logFile, "w");
  const child = spawn(MOTO_SERVER, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", log, log],
    env: { ...process.env, ...FAKE_CREDENTIALS },
  });
  closeSync(log);
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exited with ${code ?? signal}`));
  child.once("error", (err) => (exited = `could not start: ${err.message}`));
  const logTail = () => (existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-4000) : "");

  const stop = async () => {
    await killAndWait(child);
    rmSync(logDir, { recursive: true, force: true });
  };
  try {
    await waitUntilUp(endpoint, () => exited);
  } catch (err) {
    const tail = logTail();
    await stop();
    throw new Error(`moto_server did not start on ${endpoint}: ${(err as Error).message}\n${tail}`);
  }

  return {
    endpoint,
    async executeStateMachines() {
      const res = await fetch(`${endpoint}/moto-api/config`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
      });
      if (!res.ok) throw new Error(`moto refused its config: ${res.status} ${await res.text()}`);
    },
    // boto3 reads AWS_DEFAULT_REGION, not AWS_REGION.
    boto3: (region, calls) => boto3Calls(awsEnv(endpoint, region, { AWS_DEFAULT_REGION: region }), calls),
    stop,
  };
}

/** A port that was free a moment ago (moto binds it next; a clash shows as a failed start). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitUntilUp(endpoint: string, exited: () => string | undefined): Promise<void> {
  // moto imports lazily and is usually up in a second or two; a slow CI machine gets 60 s.
  for (let attempt = 0; attempt < 600; attempt++) {
    const why = exited();
    if (why) throw new Error(why);
    try {
      const res = await fetch(`${endpoint}/moto-api/config`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no answer within 60 s");
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await done;
  clearTimeout(timer);
}

const BOTO3_SCRIPT = `
import json, sys
import boto3
out = []
for service, method, params in json.load(sys.stdin):
    result = getattr(boto3.client(service), method)(**params)
    result.pop("ResponseMetadata", None)
    out.append(result)
json.dump(out, sys.stdout, default=str)
`;

function boto3Calls(env: NodeJS.ProcessEnv, calls: readonly (readonly [string, string, Record<string, unknown>])[]): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(VENV_BIN, "python"), ["-c", BOTO3_SCRIPT], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve(JSON.parse(stdout));
      else reject(new Error(`boto3 ${calls.map(([s, m]) => `${s}.${m}`).join(", ")} failed (exit ${code}):\n${stderr.slice(-2000)}`));
    });
    child.stdin.end(JSON.stringify(calls));
  });
}
