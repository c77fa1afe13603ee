import type { Field } from "@mlstack/core";
import { MlstackError } from "@mlstack/core";
import type { Row } from "../spec.js";
import { checkValue } from "./check-value.js";
import type { OnDemandRead } from "./feature-selection.js";

/**
 * Runs an on-demand view for one entity row: the request fields come from the row, the source features
 * from `sourceValue` (the point-in-time value historically, the ttl-valid value online), so both paths
 * give the transform identical inputs. Returns the output values in schema order.
 */
export function computeOnDemand(
  read: OnDemandRead,
  row: Row,
  where: string,
  sourceValue: (input: OnDemandRead["inputs"][number]) => unknown,
): unknown[] {
  const name = read.definition.name;
  const inputs: Record<string, unknown> = {};
  for (const field of read.requestFields) {
    const checked = checkValue(field, row[field.name]);
    if (!checked.ok) {
      throw new MlstackError("INVALID_ARGUMENT", `${where}: request field "${field.name}" ${checked.problem}`, {
        details: { path: `${where}.${field.name}`, onDemandFeatureView: name },
      });
    }
    inputs[field.name] = checked.value;
  }
  for (const input of read.inputs) inputs[input.ref] = sourceValue(input);
  let result: Record<string, unknown>;
  try {
    result = read.transform(inputs);
  } catch (error) {
    throw new MlstackError("FAILED_PRECONDITION", `on-demand feature view "${name}" failed at ${where}`, {
      details: { onDemandFeatureView: name },
      cause: error,
    });
  }
  if (typeof result !== "object" || result === null) {
    throw new MlstackError("FAILED_PRECONDITION", `on-demand feature view "${name}" returned no object at ${where}`);
  }
  return read.definition.schema.fields.map((field: Field) => {
    const checked = checkValue(field, result[field.name]);
    if (!checked.ok) {
      throw new MlstackError(
        "FAILED_PRECONDITION",
        `on-demand feature view "${name}" output "${field.name}" ${checked.problem} at ${where}`,
        { details: { onDemandFeatureView: name, feature: field.name } },
      );
    }
    return checked.value;
  });
}
