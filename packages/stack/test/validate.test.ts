import { type BrickRequirement, defineSchema, type Field } from "@mlstack/core";
import { createMemoryMonitor } from "@mlstack/monitor";
import { createServingEngine } from "@mlstack/serving";
import { createTrainingEngine, inProcessExecutor } from "@mlstack/training";
import { describe, expect, it } from "vitest";
import {
  createTestStack,
  dataInputResolver,
  defineStack,
  type FindingCode,
  type FindingSeverity,
  interceptBrick,
  type ModelContract,
  registryModelResolver,
  type StackBricks,
  type StackOptions,
} from "../src/index.js";
import { memoryBricks } from "./fixtures/memory-bricks.js";

type Bricks = ReturnType<typeof memoryBricks>;

// A brick with another manifest (as a third-party implementation would declare it); methods pass through.
function withManifest<B extends object>(
  brick: B,
  manifest: {
    capabilities?: Record<string, boolean>;
    specificationVersion?: string;
    requires?: readonly BrickRequirement[];
  },
): B {
  return new Proxy(brick, {
    get(target, property) {
      if (typeof property === "string" && Object.hasOwn(manifest, property)) {
        return (manifest as Record<string, unknown>)[property];
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const without = <B extends { capabilities: object }>(brick: B, ...caps: string[]): B =>
  withManifest(brick, {
    capabilities: { ...brick.capabilities, ...Object.fromEntries(caps.map((c) => [c, false])) },
  });

const FEATURES = defineSchema([
  { name: "income", type: "float64" },
  { name: "credit_score", type: "float64" },
  { name: "age", type: "int32" },
]);
const INPUTS = defineSchema([
  { name: "income", type: "float64" },
  { name: "credit_score", type: "float64" },
  { name: "age", type: "float64" },
]);
const OUTPUTS = defineSchema([{ name: "probability", type: "float64" }]);
const schema = (...fields: Field[]) => defineSchema(fields);

/** A contract whose every stage fits: packed FP64 matrix in, one FP64 vector out. */
const LOAN: ModelContract = {
  name: "loan",
  features: { features: ["applicant:income", "applicant:credit_score", "applicant:age"], schema: FEATURES },
  trainer: { name: "mlstack.linear", version: "1", inputs: INPUTS, label: "defaulted" },
  signature: { inputs: INPUTS, outputs: OUTPUTS },
  deployment: {
    runtime: "linear",
    signature: {
      inputs: [{ name: "features", datatype: "FP64", shape: [-1, 3] }],
      outputs: [{ name: "probability", datatype: "FP64", shape: [-1] }],
    },
  },
  monitor: { schema: FEATURES },
};

const loan = (patch: Partial<ModelContract>): ModelContract => ({ ...LOAN, ...patch });
const deployment = (
  inputs: NonNullable<ModelContract["deployment"]>["signature"]["inputs"],
  outputs = LOAN.deployment?.signature.outputs ?? [],
): ModelContract["deployment"] => ({ runtime: "linear", signature: { inputs, outputs } });

interface Expected {
  code: FindingCode;
  severity: FindingSeverity;
  path: string;
  /** A substring of the message. */
  message: string;
  /** A substring of the hint, where it matters. */
  hint?: string;
}

interface Case {
  name: string;
  bricks: (b: Bricks) => StackBricks;
  options?: StackOptions;
  findings: Expected[];
}

const all = (b: Bricks): StackBricks => b;

const CASES: Case[] = [
  {
    name: "no MetadataStore: lineage is not recorded (a warning)",
    bricks: ({ metadata: _, ...b }) => b,
    findings: [
      {
        code: "MISSING_SLOT",
        severity: "warning",
        path: "metadata",
        message: "lineage wiring needs a metadata brick, but the slot is empty",
        hint: "or set lineage: { enabled: false }",
      },
    ],
  },
  {
    name: "no MetadataStore with lineage off: nothing to say",
    bricks: ({ metadata: _, ...b }) => b,
    options: { lineage: { enabled: false } },
    findings: [],
  },
  {
    name: "a MetadataStore without a lineage graph",
    bricks: (b) => ({ ...b, metadata: without(b.metadata, "lineage") }),
    findings: [
      {
        code: "MISSING_CAPABILITY",
        severity: "error",
        path: "metadata",
        message: 'needs metadata brick "memory" to support "lineage"',
        hint: "lineage: true",
      },
    ],
  },
  {
    name: "a MetadataStore without registry and artifacts: warnings",
    bricks: (b) => ({ ...b, metadata: without(b.metadata, "modelRegistry", "artifacts") }),
    findings: [
      {
        code: "MISSING_CAPABILITY",
        severity: "warning",
        path: "metadata",
        message: 'stack.registerModel needs metadata brick "memory" to support "modelRegistry"',
        hint: "modelRegistry: true",
      },
      {
        code: "MISSING_CAPABILITY",
        severity: "warning",
        path: "metadata",
        message: '"artifacts"',
        hint: "artifacts: true",
      },
    ],
  },
  {
    name: "a brick of another specification version",
    bricks: (b) => ({ ...b, features: withManifest(b.features, { specificationVersion: "v2" }) }),
    findings: [
      {
        code: "SPEC_VERSION_MISMATCH",
        severity: "error",
        path: "features",
        message: 'features brick "memory" implements specification "v2"',
        hint: 'implements specification "v1"',
      },
    ],
  },
  {
    name: "a brick requires an empty slot, another a capability its slot lacks",
    bricks: ({ monitor: _, ...b }) => ({
      ...b,
      data: withManifest(b.data, { requires: [{ slot: "monitor", reason: "it reports ingestion quality" }] }),
      training: withManifest(b.training, { requires: [{ slot: "serving", capabilities: ["shadow", "batching"] }] }),
      serving: createServingEngine({ capabilities: { shadow: false } }),
    }),
    findings: [
      {
        code: "MISSING_SLOT",
        severity: "error",
        path: "monitor",
        message: 'data ("memory") needs a monitor brick, but the slot is empty: it reports ingestion quality',
        hint: "createMemoryMonitor()",
      },
      {
        code: "MISSING_CAPABILITY",
        severity: "error",
        path: "serving",
        message: 'training ("in-process") needs serving brick "memory" to support "shadow"',
        hint: "shadow: true, batching: true",
      },
    ],
  },
  {
    name: "the wiring resolvers declare what they read: training without data, serving without a registry",
    bricks: ({ data, metadata, ...b }) => ({
      ...b,
      training: createTrainingEngine({ executor: inProcessExecutor(), inputs: dataInputResolver(data) }),
      serving: createServingEngine({ resolveModelVersion: registryModelResolver(metadata) }),
    }),
    findings: [
      {
        code: "MISSING_SLOT",
        severity: "error",
        path: "data",
        message: "trainers read training sets and data files from it",
      },
      {
        code: "MISSING_SLOT",
        severity: "error",
        path: "metadata",
        message: "model versions resolve through its registry",
      },
      { code: "MISSING_SLOT", severity: "warning", path: "metadata", message: "lineage" },
    ],
  },
  {
    name: "a brick requires a slot no stack has",
    bricks: (b) => ({ ...b, data: withManifest(b.data, { requires: [{ slot: "warehouse" as never }] }) }),
    findings: [
      {
        code: "MISSING_SLOT",
        severity: "error",
        path: "warehouse",
        message: 'data ("memory") requires slot "warehouse", which no stack has',
      },
    ],
  },
  {
    name: "the full contract fits",
    bricks: all,
    options: { models: [LOAN] },
    findings: [],
  },
  {
    name: "a contract's stages need their slots",
    bricks: ({ serving: _s, monitor: _m, ...b }) => b,
    options: { models: [LOAN] },
    findings: [
      {
        code: "MISSING_SLOT",
        severity: "error",
        path: "serving",
        message: "models.loan.deployment needs a serving brick",
        hint: "remove models.loan.deployment",
      },
      {
        code: "MISSING_SLOT",
        severity: "error",
        path: "monitor",
        message: "models.loan.monitor needs a monitor brick",
      },
    ],
  },
  {
    name: "a contract names a brick its slot does not hold",
    bricks: all,
    options: { models: [loan({ deployment: { ...(LOAN.deployment as object), brick: "edge" } as never })] },
    findings: [
      {
        code: "UNKNOWN_BRICK",
        severity: "error",
        path: "models.loan.deployment",
        message: 'names serving brick "edge", but the serving slot holds "default"',
        hint: 'name one of "default"',
      },
    ],
  },
  {
    name: "a named canary without traffic split, watched by a monitor",
    bricks: (b) => ({
      ...b,
      serving: {
        bricks: { main: b.serving, canary: createServingEngine({ capabilities: { trafficSplit: false } }) },
        default: "main",
      },
    }),
    options: { models: [loan({ deployment: { ...(LOAN.deployment as object), brick: "canary" } as never })] },
    findings: [
      {
        code: "MISSING_CAPABILITY",
        severity: "warning",
        path: "serving.canary",
        message: 'models.loan.deployment needs serving brick "memory" to support "trafficSplit"',
        hint: "trafficSplit: true",
      },
    ],
  },
  {
    name: "a monitor without alerts",
    bricks: (b) => ({ ...b, monitor: createMemoryMonitor({ capabilities: { alerts: false } }) }),
    options: { models: [LOAN] },
    findings: [{ code: "MISSING_CAPABILITY", severity: "warning", path: "monitor", message: '"alerts"' }],
  },
  {
    name: "features emit a string the trainer reads as float64 (and the monitor as int32)",
    bricks: all,
    options: {
      models: [
        loan({
          features: {
            schema: schema(
              { name: "income", type: "float64" },
              { name: "credit_score", type: "float64" },
              { name: "age", type: "string" },
            ),
          },
        }),
      ],
    },
    findings: [
      {
        code: "SCHEMA_INCOMPATIBLE",
        severity: "error",
        path: "models.loan.trainer",
        message: 'features → trainer inputs: field "age": string → float64 has no conversion',
        hint: 'declare "age" as float64 in features, or as string in trainer inputs',
      },
      {
        code: "SCHEMA_INCOMPATIBLE",
        severity: "error",
        path: "models.loan.monitor",
        message: 'features → monitor: field "age": string → int32',
      },
    ],
  },
  {
    name: "a lossy conversion is a warning",
    bricks: all,
    options: {
      models: [
        loan({
          trainer: {
            name: "mlstack.linear",
            version: "1",
            inputs: schema(
              { name: "income", type: "float64" },
              { name: "credit_score", type: "float32" },
              { name: "age", type: "float64" },
            ),
          },
        }),
      ],
    },
    findings: [
      {
        code: "SCHEMA_LOSSY",
        severity: "warning",
        path: "models.loan.trainer",
        message: 'features → trainer inputs: field "credit_score": float64 → float32 can lose data',
      },
    ],
  },
  {
    name: "the signature reads a column the trainer never saw",
    bricks: all,
    options: {
      models: [
        loan({
          trainer: {
            name: "mlstack.linear",
            version: "1",
            inputs: schema({ name: "income", type: "float64" }, { name: "age", type: "float64" }),
          },
        }),
      ],
    },
    findings: [
      {
        code: "SCHEMA_INCOMPATIBLE",
        severity: "error",
        path: "models.loan.signature",
        message: 'trainer inputs → signature inputs: field "credit_score" (float64) is not produced',
        hint: 'add "credit_score" (float64) to trainer inputs, or remove it from signature inputs',
      },
    ],
  },
  {
    name: "without a trainer, the features feed the signature",
    bricks: all,
    options: {
      models: [
        loan({
          trainer: undefined,
          signature: {
            inputs: schema(...INPUTS.fields, { name: "debt", type: "float64", nullable: true }),
            outputs: OUTPUTS,
          },
          deployment: undefined,
        }),
      ],
    },
    findings: [
      {
        code: "SCHEMA_LOSSY",
        severity: "warning",
        path: "models.loan.signature",
        message: 'features → signature inputs: field "debt" (float64?) is not produced; the consumer will read null',
      },
    ],
  },
  {
    name: "a packed matrix of the wrong width and type",
    bricks: all,
    options: { models: [loan({ deployment: deployment([{ name: "x", datatype: "BYTES", shape: [-1, 2] }]) })] },
    findings: [
      {
        code: "SIGNATURE_MISMATCH",
        severity: "error",
        path: "models.loan.deployment",
        message: 'input tensor "x" packs 2 columns, but the model has 3 fields (income, credit_score, age)',
        hint: "[-1, 3]",
      },
      {
        code: "SIGNATURE_MISMATCH",
        severity: "error",
        path: "models.loan.deployment",
        message: 'input tensor "x" packs fields as BYTES; a packed tensor must be FP64, FP32 or FP16',
      },
    ],
  },
  {
    name: "a packed matrix without a batch axis",
    bricks: all,
    options: { models: [loan({ deployment: deployment([{ name: "x", datatype: "FP64", shape: [8, 3] }]) })] },
    findings: [
      {
        code: "SIGNATURE_MISMATCH",
        severity: "error",
        path: "models.loan.deployment",
        message: "its first axis is the batch and must be -1",
      },
    ],
  },
  {
    name: "int32 packs into FP64 losslessly; bool does not pack at all",
    bricks: all,
    options: {
      models: [
        loan({
          features: undefined,
          trainer: undefined,
          signature: {
            inputs: schema({ name: "age", type: "int32" }, { name: "member", type: "bool" }),
            outputs: OUTPUTS,
          },
          deployment: deployment([{ name: "x", datatype: "FP64", shape: [-1, 2] }]),
          monitor: undefined,
        }),
      ],
    },
    findings: [
      {
        code: "SCHEMA_INCOMPATIBLE",
        severity: "error",
        path: "models.loan.deployment",
        message: 'signature inputs → deployment inputs: field "member": bool → float64 has no conversion',
      },
    ],
  },
  {
    name: "one tensor per field fits",
    bricks: all,
    options: {
      models: [
        loan({
          deployment: deployment([
            { name: "income", datatype: "FP64", shape: [-1] },
            { name: "credit_score", datatype: "FP32", shape: [-1, 1] },
            { name: "age", datatype: "INT32", shape: [-1] },
          ]),
        }),
      ],
    },
    findings: [],
  },
  {
    name: "one tensor per field: a missing, a stray, a lossy and a misshapen tensor",
    bricks: all,
    options: {
      models: [
        loan({
          deployment: deployment([
            { name: "income", datatype: "INT64", shape: [-1] },
            { name: "age", datatype: "FP64", shape: [-1, 2, 2] },
            { name: "debt", datatype: "FP64", shape: [-1] },
          ]),
        }),
      ],
    },
    findings: [
      {
        code: "SIGNATURE_MISMATCH",
        severity: "error",
        path: "models.loan.deployment",
        message: 'input tensor "age" has shape [-1, 2, 2]; a field\'s tensor is [-1] or [-1, 1]',
      },
      {
        code: "SIGNATURE_MISMATCH",
        severity: "warning",
        path: "models.loan.deployment",
        message: 'input tensor "debt" matches no field of the model',
      },
      {
        code: "SCHEMA_LOSSY",
        severity: "warning",
        path: "models.loan.deployment",
        message: 'deployment inputs → signature inputs: field "income": int64 → float64 can lose data',
      },
      {
        code: "SCHEMA_INCOMPATIBLE",
        severity: "error",
        path: "models.loan.deployment",
        message: 'deployment inputs → signature inputs: field "credit_score" (float64) is not produced',
      },
    ],
  },
  {
    name: "outputs the model does not produce, or narrows",
    bricks: all,
    options: {
      models: [
        loan({
          deployment: deployment(LOAN.deployment?.signature.inputs ?? [], [
            { name: "probability", datatype: "FP32", shape: [-1] },
            { name: "label", datatype: "INT64", shape: [-1] },
          ]),
        }),
      ],
    },
    findings: [
      {
        code: "SCHEMA_LOSSY",
        severity: "warning",
        path: "models.loan.deployment",
        message: 'signature outputs → deployment outputs: field "probability": float64 → float32 can lose data',
      },
      {
        code: "SCHEMA_INCOMPATIBLE",
        severity: "error",
        path: "models.loan.deployment",
        message: 'signature outputs → deployment outputs: field "label" (int64) is not produced',
      },
    ],
  },
  {
    name: "the monitor watches a column the traffic does not carry",
    bricks: all,
    options: {
      models: [
        loan({ features: undefined, monitor: { schema: schema(...INPUTS.fields, { name: "zip", type: "string" }) } }),
      ],
    },
    findings: [
      {
        code: "SCHEMA_INCOMPATIBLE",
        severity: "error",
        path: "models.loan.monitor",
        message: 'signature inputs → monitor: field "zip" (string) is not produced',
      },
    ],
  },
  {
    name: "the features schema declares a column the selection does not yield",
    bricks: all,
    options: {
      models: [loan({ features: { features: ["applicant:income", "applicant:credit_score"], schema: FEATURES } })],
    },
    findings: [
      {
        code: "SCHEMA_INCOMPATIBLE",
        severity: "error",
        path: "models.loan.features",
        message: 'features selection → features: field "age" is not among the selected features',
        hint: '(view:age), or remove "age" from the features schema',
      },
    ],
  },
  {
    name: "full feature names and feature services are understood",
    bricks: all,
    options: {
      models: [
        loan({
          name: "full",
          features: {
            features: ["applicant:income"],
            schema: schema({ name: "applicant__income", type: "float64" }),
          },
          trainer: undefined,
          signature: { inputs: schema({ name: "applicant__income", type: "float64" }), outputs: OUTPUTS },
          deployment: undefined,
          monitor: undefined,
        }),
        loan({ name: "service", features: { service: "loan_features", schema: FEATURES } }),
      ],
    },
    findings: [],
  },
  {
    name: "the label is read as an input",
    bricks: all,
    options: {
      models: [
        loan({
          features: undefined,
          trainer: { name: "mlstack.linear", version: "1", inputs: INPUTS, label: "income" },
          deployment: undefined,
          monitor: undefined,
        }),
      ],
    },
    findings: [
      {
        code: "LABEL_AS_INPUT",
        severity: "error",
        path: "models.loan.trainer",
        message: 'the label "income" is also one of the trainer inputs',
      },
      {
        code: "LABEL_AS_INPUT",
        severity: "error",
        path: "models.loan.signature",
        message: 'the label "income" is also one of the signature inputs',
        hint: 'remove "income" from the signature inputs',
      },
    ],
  },
  {
    name: "two contracts of one name",
    bricks: all,
    options: { models: [LOAN, loan({ deployment: undefined })] },
    findings: [
      {
        code: "DUPLICATE_MODEL",
        severity: "error",
        path: "models.loan",
        message: 'model contract "loan" is declared 2 times (models[0], models[1])',
      },
    ],
  },
  {
    name: "two contracts deployed under one name",
    bricks: all,
    options: {
      models: [
        loan({ name: "a", deployment: { ...(LOAN.deployment as object), name: "scorer" } as never }),
        loan({ name: "b", deployment: { ...(LOAN.deployment as object), name: "scorer" } as never }),
      ],
    },
    findings: [
      {
        code: "DUPLICATE_DEPLOYMENT",
        severity: "error",
        path: "models.b.deployment",
        message: 'models "a", "b" are all deployed as "scorer"',
      },
    ],
  },
  {
    name: "two contracts deployed under one name on the default serving brick, one naming it",
    bricks: (b) => ({ ...b, serving: { bricks: { main: b.serving, canary: createServingEngine() }, default: "main" } }),
    options: {
      models: [
        loan({ name: "a", deployment: { ...(LOAN.deployment as object), name: "scorer" } as never }),
        loan({ name: "b", deployment: { ...(LOAN.deployment as object), name: "scorer", brick: "main" } as never }),
        loan({ name: "c", deployment: { ...(LOAN.deployment as object), name: "scorer", brick: "canary" } as never }),
      ],
    },
    findings: [
      {
        code: "DUPLICATE_DEPLOYMENT",
        severity: "error",
        path: "models.b.deployment",
        message: 'models "a", "b" are all deployed as "scorer"',
      },
    ],
  },
];

describe("validate(): a table of stacks and their exact findings", () => {
  it.each(CASES)("$name", ({ bricks, options, findings }) => {
    const stack = defineStack(bricks(memoryBricks()), options);
    const report = stack.validate();
    expect(report.findings.map(({ code, severity, path }) => ({ code, severity, path }))).toEqual(
      findings.map(({ code, severity, path }) => ({ code, severity, path })),
    );
    findings.forEach((expected, i) => {
      const actual = report.findings[i];
      expect(actual?.message).toContain(expected.message);
      expect(actual?.hint.length).toBeGreaterThan(10);
      if (expected.hint !== undefined) expect(actual?.hint).toContain(expected.hint);
    });
    expect(report.ok).toBe(findings.every((f) => f.severity !== "error"));
  });
});

describe("validate()", () => {
  it("finds nothing wrong with a test stack declaring a full contract", async () => {
    await using stack = await createTestStack({ models: [LOAN] });
    expect(stack.validate()).toEqual({ ok: true, findings: [] });
  });

  it("reports every problem of a stack with several, in a stable order", () => {
    const { serving: _, ...b } = memoryBricks();
    const stack = defineStack(
      {
        ...b,
        features: withManifest(b.features, { specificationVersion: "v0" }),
        metadata: without(b.metadata, "lineage"),
      },
      {
        models: [
          loan({ trainer: { name: "t", version: "1", inputs: schema({ name: "income", type: "string" }) } }),
          LOAN,
        ],
      },
    );
    const report = stack.validate();
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => `${f.code} ${f.path}`)).toEqual([
      "SPEC_VERSION_MISMATCH features",
      "MISSING_CAPABILITY metadata",
      "DUPLICATE_MODEL models.loan",
      "DUPLICATE_DEPLOYMENT models.loan.deployment",
      "MISSING_SLOT serving",
      "SCHEMA_INCOMPATIBLE models.loan.trainer",
      "SCHEMA_INCOMPATIBLE models.loan.signature",
      "SCHEMA_INCOMPATIBLE models.loan.signature",
      "SCHEMA_INCOMPATIBLE models.loan.signature",
      "MISSING_SLOT serving",
    ]);
    expect(stack.validate()).toEqual(report);
  });

  it("is pure: it calls no brick method", () => {
    const calls: string[] = [];
    const spy = <B extends object>(slot: string, brick: B): B =>
      interceptBrick(brick, (call) => {
        calls.push(`${slot}.${call.method}`);
        return call.proceed();
      });
    const b = memoryBricks();
    const stack = defineStack(
      {
        data: spy("data", b.data),
        features: spy("features", b.features),
        training: spy("training", b.training),
        serving: spy("serving", b.serving),
        metadata: spy("metadata", b.metadata),
        monitor: spy("monitor", b.monitor),
      },
      { models: [LOAN], policy: { roles: {}, audit: true } },
    );
    calls.length = 0; // composing may subscribe to brick events; validating must not touch them
    expect(stack.validate().ok).toBe(true);
    expect(calls).toEqual([]);
  });

  it("returns a frozen report", () => {
    const report = defineStack(memoryBricks()).validate();
    expect(Object.isFrozen(report)).toBe(true);
    expect(Object.isFrozen(report.findings)).toBe(true);
  });
});
