// feature: exceptionsJsApi
// The exception-handling JS API: WebAssembly.Tag and WebAssembly.Exception construct, an
// exception knows its tag (is) and gives back its arguments (getArg), and asking with another
// tag is a TypeError.
if (typeof WebAssembly.Tag !== "function" || typeof WebAssembly.Exception !== "function") {
  return { supported: false, detail: `WebAssembly.Tag: ${typeof WebAssembly.Tag}, WebAssembly.Exception: ${typeof WebAssembly.Exception}` };
}
let tag, other, exn;
try {
  tag = new WebAssembly.Tag({ parameters: ["i32", "f64"] });
  other = new WebAssembly.Tag({ parameters: [] });
  exn = new WebAssembly.Exception(tag, [42, 1.5]);
} catch (e) {
  return { supported: false, detail: `constructing: ${e}` };
}
if (exn.is(tag) !== true || exn.is(other) !== false) return { supported: false, detail: "Exception.prototype.is is wrong" };
if (exn.getArg(tag, 0) !== 42 || exn.getArg(tag, 1) !== 1.5) {
  return { supported: false, detail: `getArg gave ${exn.getArg(tag, 0)}, ${exn.getArg(tag, 1)}` };
}
try {
  exn.getArg(other, 0);
  return { supported: false, detail: "getArg with another tag did not throw" };
} catch (e) {
  if (!(e instanceof TypeError)) return { supported: false, detail: `getArg with another tag threw ${e}` };
}
return true;
