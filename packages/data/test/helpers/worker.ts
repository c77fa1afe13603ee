// A child process for the crash and concurrency tests: it opens a filesystem DataEngine and commits.
//   worker.ts crash <root>         commits forever (small and multi-chunk files), printing each commit id
//   worker.ts race <root> <head>   waits for "go" on stdin, then commits once expecting <head>
import { createInterface } from "node:readline";
import { isMlstackError } from "@mlstack/core";
import { createFilesystemDataEngine } from "../../src/index.js";

const [mode, root, expected] = process.argv.slice(2);
const engine = createFilesystemDataEngine({ root: root as string });

if (mode === "crash") {
  process.stdout.write("ready\n");
  for (let n = 0; ; n++) {
    const big = new Uint8Array(200_000 + n * 997).map((_, i) => (i * 31 + n) & 0xff);
    const c = await engine.commit(
      "r",
      "main",
      async (tx) => {
        // Each worker starts again at n = 0: the pid keeps its first commit from being empty.
        await tx.put("writer.txt", `${process.pid} ${n}`);
        for (let i = 0; i < 20; i++) await tx.put(`small/${n % 7}/${i}.txt`, `commit ${n} file ${i}`);
        await tx.put(`big/${n % 3}.bin`, big);
        if (n % 5 === 4) await tx.delete(`small/${(n + 1) % 7}`).catch(() => {});
      },
      { message: `commit ${n}` },
    );
    process.stdout.write(`committed ${c.id}\n`);
  }
} else if (mode === "race") {
  const lines = createInterface({ input: process.stdin });
  process.stdout.write("ready\n");
  for await (const line of lines) if (line === "go") break;
  try {
    const c = await engine.commit(
      "r",
      "main",
      (tx) => tx.put(`from-${process.pid}`, String(process.pid)).then(() => {}),
      {
        message: `race ${process.pid}`,
        expectedHead: expected as string,
      },
    );
    process.stdout.write(`won ${c.id}\n`);
  } catch (error) {
    process.stdout.write(`lost ${isMlstackError(error) ? error.code : String(error)}\n`);
  }
  await engine.stop();
  process.exit(0);
}
