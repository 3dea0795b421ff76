// Node host shim for runner.mjs: JSON lines on stdin -> replies on stdout.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { createRunner } from "./runner.mjs";

const runner = createRunner({ loadBytes: (path) => readFileSync(path), version: process.version });
const emit = (obj) => {
  process.stdout.write(JSON.stringify(obj) + "\n");
};

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  let request;
  try {
    request = JSON.parse(line);
  } catch (err) {
    emit({ id: null, ok: false, error: { kind: "internal", message: `bad request: ${err}` } });
    continue;
  }
  if (request.op === "exit") process.exit(0);
  await runner.handle(request, emit);
}
process.exit(0);
