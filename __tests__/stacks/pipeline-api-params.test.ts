/**
 * Every AWS request the synthesized state machine makes, checked by botocore against the
 * service's own model: the cluster (RunJobFlow, as createCluster.sync passes it), each step
 * (AddJobFlowSteps), and each AWS SDK integration task. Paths (`<field>.$`) are filled with a
 * value of the kind the run puts there, so a misspelt field, a bad enum or a wrong type fails.
 */
import { describe, expect, it } from "vitest";
import { botocoreProblems, type AwsCall } from "../support/botocore";
import { resources, synthEnv, type EnvName } from "../support/synth";

/** Step Functions' SDK service names that botocore names differently. */
const BOTOCORE_SERVICE: Record<string, string> = { sfn: "stepfunctions" };

/** A value of the kind each path of the definition yields at run time. */
const PATH_VALUES: Record<string, unknown> = {
  "Name.$": "marketpulse-dev-2024-01-02",
  "Key.$": "_runs/bronze_to_silver/2024-01-02.metrics.json",
  "Prefix.$": "prices/date=2024-01-02/",
  "StateMachineArn.$": "arn:aws:states:eu-west-1:111111111111:stateMachine:marketpulse-dev-pipeline",
  "ClusterId.$": "j-2AXXXXXXGAPLF",
  "Args.$": ["spark-submit", "--deploy-mode", "cluster", "s3://b/k.py", "--date", "2024-01-02"],
  "MetricData.$": [{ MetricName: "SilverRows", Dimensions: [{ Name: "Job", Value: "bronze_to_silver" }], Value: 1, Unit: "Count" }],
};

/** The parameters with each `<field>.$` replaced by `<field>` and a run-time-like value. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (!k.endsWith(".$")) return [k, resolve(v)];
      if (!(k in PATH_VALUES)) throw new Error(`no sample value for ${k}`);
      return [k.slice(0, -2), PATH_VALUES[k]];
    }),
  );
}

describe.each<EnvName>(["dev", "prod"])("the state machine's AWS requests (%s), as botocore validates them", (env) => {
  const { tf } = synthEnv(env);
  const [[, machine]] = resources(tf, "aws_sfn_state_machine");
  const states = Object.entries(JSON.parse(machine.definition).States as Record<string, any>).filter(([, s]) => s.Type === "Task");

  const calls: (AwsCall & { state: string })[] = states.flatMap(([state, s]): (AwsCall & { state: string })[] => {
    const params = resolve(s.Parameters) as Record<string, any>;
    const sdk = /^arn:aws:states:::aws-sdk:(\w+):(\w+)$/.exec(s.Resource);
    if (sdk) {
      const [, service, action] = sdk;
      // The integration spells every parameter in PascalCase, whatever the API's own case.
      return [{ state, service: BOTOCORE_SERVICE[service] ?? service, operation: action[0].toUpperCase() + action.slice(1), params, pascal_case: true }];
    }
    switch (s.Resource) {
      case "arn:aws:states:::elasticmapreduce:createCluster.sync":
        return [{ state, service: "emr", operation: "RunJobFlow", params }];
      case "arn:aws:states:::elasticmapreduce:addStep.sync":
        return [{ state, service: "emr", operation: "AddJobFlowSteps", params: { JobFlowId: params.ClusterId, Steps: [params.Step] } }];
      case "arn:aws:states:::elasticmapreduce:terminateCluster.sync":
        return [{ state, service: "emr", operation: "TerminateJobFlows", params: { JobFlowIds: [params.ClusterId] } }];
      default:
        throw new Error(`${state}: unexpected resource ${s.Resource}`);
    }
  });

  it("covers every task: the cluster, each step, each terminate and each SDK call", () => {
    expect(calls.length).toBe(states.length);
    const operations = new Set(calls.map((c) => `${c.service}:${c.operation}`));
    expect(operations).toEqual(
      new Set([
        "emr:RunJobFlow", "emr:AddJobFlowSteps", "emr:TerminateJobFlows",
        "s3:ListObjectsV2", "s3:GetObject", "cloudwatch:PutMetricData", "stepfunctions:ListExecutions",
      ]),
    );
  });

  it("every request is valid for the service's model", () => {
    const problems = botocoreProblems(calls);
    const invalid = calls.map((c, i) => [c.state, problems[i]] as const).filter(([, p]) => p.length > 0);
    expect(invalid).toEqual([]);
  });

  it("the validator does refuse a malformed request (the check is live)", () => {
    const cluster = calls.find((c) => c.operation === "RunJobFlow")!;
    const broken = { ...(cluster.params as object), Instances: { InstanceFleets: [{ InstanceFleetType: "CORE", TargetOnDemandCapacity: "one" }] }, StepConcurency: 1 };
    const [problems] = botocoreProblems([{ ...cluster, params: broken }]);
    expect(problems.join("\n")).toMatch(/Unknown parameter in input: "StepConcurency"/);
    expect(problems.join("\n")).toMatch(/Invalid type for parameter Instances\.InstanceFleets\[0\]\.TargetOnDemandCapacity/);
    // And a PascalCase SDK call is matched to a camelCase API only where asked to.
    const list = calls.find((c) => c.operation === "ListExecutions")!;
    expect(botocoreProblems([{ ...list, pascal_case: false }])[0][0]).toMatch(/Unknown parameter in input: "StateMachineArn"/);
  });
});
