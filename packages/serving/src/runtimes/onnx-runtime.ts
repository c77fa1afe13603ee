import { MlstackError } from "@mlstack/core";
import type { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import type { Datatype } from "../schemas.js";
import type { LoadedModel, ModelOutputs, ModelRuntime, Tensor } from "../spec.js";

// FP16 has no JSON form that onnxruntime accepts directly, so it is left out rather than converted lossily.
const ORT_TYPES: Partial<Record<Datatype, string>> = {
  BOOL: "bool",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
};

function ortData(t: Tensor): OrtTensor.DataType {
  const values = t.data as ArrayLike<number | boolean | string>;
  switch (t.datatype) {
    case "FP32":
      return Float32Array.from(values as ArrayLike<number>);
    case "FP64":
      return Float64Array.from(values as ArrayLike<number>);
    case "INT8":
      return Int8Array.from(values as ArrayLike<number>);
    case "INT16":
      return Int16Array.from(values as ArrayLike<number>);
    case "INT32":
      return Int32Array.from(values as ArrayLike<number>);
    case "INT64":
      return BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(v));
    case "UINT8":
      return Uint8Array.from(values as ArrayLike<number>);
    case "UINT16":
      return Uint16Array.from(values as ArrayLike<number>);
    case "UINT32":
      return Uint32Array.from(values as ArrayLike<number>);
    case "UINT64":
      return BigUint64Array.from(values as ArrayLike<number>, (v) => BigInt(v));
    case "BOOL":
      return Uint8Array.from(values as ArrayLike<boolean>, (v) => (v ? 1 : 0));
    default:
      return Array.from(values as ArrayLike<string>);
  }
}

/**
 * The `onnx` runtime: ONNX models through onnxruntime-node (CPU). The module is imported on first load,
 * so deployments that never use ONNX never load the native binding. Every signature tensor must be a
 * model input or output of that name; FP16 is not supported.
 */
export function createOnnxRuntime(options: { intraOpNumThreads?: number } = {}): ModelRuntime {
  return {
    name: "onnx",
    platform: "onnx_onnxv1",
    async load(payload, signature): Promise<LoadedModel> {
      if (!payload.bytes) throw new MlstackError("INVALID_ARGUMENT", "the onnx runtime loads stored model bytes");
      for (const t of [...signature.inputs, ...signature.outputs]) {
        if (!ORT_TYPES[t.datatype]) {
          throw new MlstackError("INVALID_ARGUMENT", `the onnx runtime does not support ${t.datatype} (${t.name})`);
        }
      }
      const ort = await import("onnxruntime-node");
      let session: InferenceSession;
      try {
        session = await ort.InferenceSession.create(payload.bytes, {
          intraOpNumThreads: options.intraOpNumThreads ?? 1,
        });
      } catch (error) {
        throw new MlstackError("INVALID_ARGUMENT", `not a loadable ONNX model: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const missing = [
        ...signature.inputs.filter((t) => !session.inputNames.includes(t.name)).map((t) => `input ${t.name}`),
        ...signature.outputs.filter((t) => !session.outputNames.includes(t.name)).map((t) => `output ${t.name}`),
      ];
      if (missing.length > 0) {
        await session.release();
        throw new MlstackError("INVALID_ARGUMENT", `the ONNX model has no ${missing.join(", ")}`, {
          details: { inputs: session.inputNames, outputs: session.outputNames },
        });
      }
      const outputNames = signature.outputs.map((t) => t.name);
      return {
        async predict(inputs) {
          const feeds: Record<string, OrtTensor> = {};
          for (const spec of signature.inputs) {
            const t = inputs[spec.name] as Tensor;
            feeds[spec.name] = new ort.Tensor(ORT_TYPES[spec.datatype] as "float32", ortData(t) as Float32Array, [
              ...t.shape,
            ]);
          }
          const results = await session.run(feeds, outputNames);
          const outputs: Record<string, ModelOutputs[string]> = {};
          for (const name of outputNames) {
            const r = results[name] as OrtTensor;
            outputs[name] = { shape: [...r.dims], data: r.data as Float32Array };
          }
          return outputs;
        },
        unload: () => session.release(),
      };
    },
  };
}
