// wasm-feature-detect (npm, pinned in package.json) as a cross-check of the feature probes: not a
// feature itself. Its ESM build's path arrives as host.args.wasmFeatureDetect (a browser page may
// import it only when the command also names it in `files`). Every exported detector is called;
// the answer is {detector name: boolean}, false for a detector that throws.
const path = host.args && host.args.wasmFeatureDetect;
if (typeof path !== "string" || !path) throw new Error("host.args.wasmFeatureDetect (the path of its dist/esm/index.js) is missing");
const detectors = await host.importModule(path);
const names = Object.keys(detectors).filter((name) => typeof detectors[name] === "function").sort();
if (names.length === 0) throw new Error(`${path} exports no detectors`);
const answers = {};
for (const name of names) {
  try {
    answers[name] = (await detectors[name]()) === true;
  } catch {
    answers[name] = false;
  }
}
return answers;
