// Helpers of bench/serving.bench.ts: load from a second process (autocannon) and a bare node:http baseline.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

const autocannonBin = createRequire(import.meta.url).resolve("autocannon/autocannon.js");

/** What one autocannon run measured. */
export interface LoadResult {
  requestsPerSecond: number;
  non2xx: number;
  errors: number;
}

/** POSTs `body` to `url` from a child process for `seconds` at `connections` concurrency. */
export function loadTest(url: string, body: string, connections: number, seconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const args = [autocannonBin, "-j", "-c", String(connections), "-d", String(seconds), "-m", "POST"];
    args.push("-H", "content-type=application/json", "-b", body, url);
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const r = JSON.parse(out) as { requests: { average: number }; non2xx: number; errors: number };
      resolve({ requestsPerSecond: r.requests.average, non2xx: r.non2xx, errors: r.errors });
    });
  });
}

/**
 * The baseline: a bare node:http handler that reads the body, parses the same JSON, calls the same
 * function and writes a protocol-shaped answer, with no validation, routing, batching or metrics.
 */
export async function startBareServer(
  fn: (data: number[], shape: number[]) => { shape: number[]; data: number[] },
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const input = request.inputs[0];
      const y = fn(input.data, input.shape);
      const text = JSON.stringify({
        model_name: "trivial",
        id: request.id ?? "0",
        outputs: [{ name: "y", shape: y.shape, datatype: "FP64", data: y.data }],
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/models/trivial/infer`, server };
}
