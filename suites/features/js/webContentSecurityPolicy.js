// feature: webContentSecurityPolicy
// WebAssembly under a page's Content Security Policy: the `'wasm-unsafe-eval'` source lets a page
// whose policy forbids eval compile wasm, and the same policy without it refuses. Two same-origin
// frames carry the policies in a <meta> tag; each compiles an empty module and tells us how it
// went. Supported only when the first compiles and the second is refused. Outside pages there is
// no policy to honour.
if (typeof document === "undefined") return { supported: false, detail: "no document: a CSP governs pages only" };
const SECONDS = 10;
const probe = (policy) => new Promise((resolve) => {
  const frame = document.createElement("iframe");
  const key = `__csp_${Math.random().toString(36).slice(2)}`;
  const timer = setTimeout(() => { delete globalThis[key]; frame.remove(); resolve(`no answer within ${SECONDS} s`); }, SECONDS * 1000);
  globalThis[key] = (answer) => { clearTimeout(timer); delete globalThis[key]; frame.remove(); resolve(answer); };
  // Runs in the frame: compile the 8-byte empty module, report "compiled" or the error.
  const script = `WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))
    .then(() => parent.${key}("compiled"), (e) => parent.${key}(String(e)));`;
  frame.srcdoc = `<meta http-equiv="Content-Security-Policy" content="${policy}"><script>${script}</script>`;
  document.body.appendChild(frame);
});
const allowed = await probe("script-src 'unsafe-inline' 'wasm-unsafe-eval'");
const refused = await probe("script-src 'unsafe-inline'");
const detail = `with 'wasm-unsafe-eval': ${allowed}; without: ${refused}`;
return { supported: allowed === "compiled" && refused !== "compiled" && !refused.startsWith("no answer"), detail };
