import type { Finding, ModelContract } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { checkSlotRequirement } from "./check-slot-requirement.js";
import { compareStages, type Stage } from "./compare-stages.js";
import { contractRequirements } from "./contract-requirements.js";
import { tensorFields } from "./signature-schema.js";

/**
 * Every finding of the declared model contracts: duplicate names, the slots and bricks each stage
 * needs, and schema compatibility along each loop: features → trainer inputs → model signature ↔
 * deployment tensors, and what the traffic carries → monitor.
 */
export function checkContracts(core: StackCore): Finding[] {
  const contracts = core.options.models ?? [];
  const findings: Finding[] = [...checkDuplicates(contracts, core.slots.serving?.default)];
  for (const contract of contracts) {
    for (const req of contractRequirements(contract)) findings.push(...checkSlotRequirement(core, req));
    findings.push(...checkLoop(contract));
  }
  return findings;
}

function checkDuplicates(contracts: readonly ModelContract[], servingDefault: string | undefined): Finding[] {
  const findings: Finding[] = [];
  const byName = groupIndexes(contracts, (c) => c.name);
  for (const [name, indexes] of byName) {
    if (indexes.length < 2) continue;
    findings.push({
      code: "DUPLICATE_MODEL",
      severity: "error",
      path: `models.${name}`,
      message: `model contract "${name}" is declared ${indexes.length} times (models[${indexes.join("], models[")}])`,
      hint: `keep one contract named "${name}", or rename the others`,
    });
  }
  const deployed = contracts.filter((c) => c.deployment !== undefined);
  const byDeployment = groupIndexes(
    deployed,
    (c) => `${c.deployment?.brick ?? servingDefault ?? ""}\u0000${deploymentName(c)}`,
  );
  for (const indexes of byDeployment.values()) {
    if (indexes.length < 2) continue;
    const models = indexes.map((i) => deployed[i] as ModelContract);
    const name = deploymentName(models[0] as ModelContract);
    findings.push({
      code: "DUPLICATE_DEPLOYMENT",
      severity: "error",
      path: `models.${(models[1] as ModelContract).name}.deployment`,
      message: `models ${models.map((m) => `"${m.name}"`).join(", ")} are all deployed as "${name}" on one serving brick`,
      hint: `give each contract its own deployment.name`,
    });
  }
  return findings;
}

function deploymentName(c: ModelContract): string {
  return c.deployment?.name ?? c.name;
}

function groupIndexes<T>(items: readonly T[], key: (item: T) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  return groups;
}

function checkLoop(contract: ModelContract): Finding[] {
  const at = (stage: string): string => `models.${contract.name}.${stage}`;
  const findings: Finding[] = [];
  const features: Stage | undefined = contract.features && { stage: "features", schema: contract.features.schema };
  const trainer: Stage | undefined = contract.trainer && { stage: "trainer inputs", schema: contract.trainer.inputs };
  const inputs: Stage = { stage: "signature inputs", schema: contract.signature.inputs };
  const outputs: Stage = { stage: "signature outputs", schema: contract.signature.outputs };

  findings.push(...checkSelection(contract), ...checkLabel(contract));
  if (features && trainer) findings.push(...compareStages(features, trainer, at("trainer")));
  const feedsModel = trainer ?? features;
  if (feedsModel) findings.push(...compareStages(feedsModel, inputs, at("signature")));

  if (contract.deployment) {
    const path = at("deployment");
    const { signature } = contract.deployment;
    const tin = tensorFields(signature.inputs, contract.signature.inputs.fields, "input");
    const tout = tensorFields(signature.outputs, contract.signature.outputs.fields, "output");
    for (const p of [...tin.problems, ...tout.problems]) {
      findings.push({ code: "SIGNATURE_MISMATCH", severity: p.severity, path, message: p.message, hint: p.hint });
    }
    const tensorsIn: Stage | undefined = tin.schema && { stage: "deployment inputs", schema: tin.schema };
    // A packed matrix is an encoding: each field must fit its column (int32 packs into FP64 losslessly).
    // One tensor per field declares each field's type: what the client sends must fit the model's field.
    if (tensorsIn && tin.layout === "packed") findings.push(...compareStages(inputs, tensorsIn, path));
    if (tensorsIn && tin.layout === "per-field") findings.push(...compareStages(tensorsIn, inputs, path, tin.unusable));
    if (tout.schema) {
      findings.push(
        ...compareStages(outputs, { stage: "deployment outputs", schema: tout.schema }, path, tout.unusable),
      );
    }
  }

  // The monitor watches the columns the traffic carries: the features, else the model's inputs.
  if (contract.monitor) {
    findings.push(
      ...compareStages(features ?? inputs, { stage: "monitor", schema: contract.monitor.schema }, at("monitor")),
    );
  }
  return findings;
}

/**
 * The declared features output must be what the selection yields: a `view:feature` reference makes a
 * column `feature` (or `view__feature` with full names). A whole view or a feature service yields
 * columns only the FeatureStore knows, so those selections are not checked.
 */
function checkSelection(contract: ModelContract): Finding[] {
  const refs = contract.features?.features;
  if (contract.features === undefined || refs === undefined || refs.some((r) => !r.includes(":"))) return [];
  const produced = new Set(
    refs.flatMap((r) => {
      const [view = "", feature = ""] = r.split(":", 2);
      return [feature, `${view}__${feature}`];
    }),
  );
  return contract.features.schema.fields
    .filter((f) => !produced.has(f.name))
    .map((f) => ({
      code: "SCHEMA_INCOMPATIBLE" as const,
      severity: "error" as const,
      path: `models.${contract.name}.features`,
      message: `features selection → features: field "${f.name}" is not among the selected features (${refs.join(", ")})`,
      hint: `select the feature that yields "${f.name}" (view:${f.name}), or remove "${f.name}" from the features schema`,
    }));
}

/** The label is what the model predicts: a model that reads it as an input cannot be served. */
function checkLabel(contract: ModelContract): Finding[] {
  const label = contract.trainer?.label;
  if (label === undefined) return [];
  const stages = [
    { stage: "trainer inputs", path: "trainer", schema: contract.trainer?.inputs },
    { stage: "signature inputs", path: "signature", schema: contract.signature.inputs },
  ];
  return stages
    .filter((s) => s.schema?.fields.some((f) => f.name === label))
    .map((s) => ({
      code: "LABEL_AS_INPUT" as const,
      severity: "error" as const,
      path: `models.${contract.name}.${s.path}`,
      message: `the label "${label}" is also one of the ${s.stage}: the model would read the answer it predicts`,
      hint: `remove "${label}" from the ${s.stage}`,
    }));
}
