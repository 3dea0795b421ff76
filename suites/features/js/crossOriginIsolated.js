// feature: crossOriginIsolated
// A browser page is cross-origin isolated (globalThis.crossOriginIsolated, which the harness's
// page gets from COOP + COEP headers). Outside browsers there is no such thing: the answer is
// whether SharedArrayBuffer exists, which is what isolation gives a page.
if (host.name === "chromium" || host.name === "firefox") {
  return { supported: globalThis.crossOriginIsolated === true, detail: `crossOriginIsolated = ${globalThis.crossOriginIsolated}` };
}
return { supported: typeof SharedArrayBuffer === "function", detail: "not a browser" };
