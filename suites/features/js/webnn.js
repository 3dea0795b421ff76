// feature: webnn
// WebNN: navigator.ml exists and navigator.ml.createContext() gives a context.
if (typeof navigator === "undefined" || !navigator.ml) return { supported: false, detail: "no navigator.ml" };
if (typeof navigator.ml.createContext !== "function") return { supported: false, detail: "no navigator.ml.createContext" };
let timer;
try {
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("createContext() did not answer within 20 s")), 20000);
  });
  const context = await Promise.race([navigator.ml.createContext(), timeout]);
  if (!context) return { supported: false, detail: "createContext() gave nothing" };
  return { supported: true, detail: `context: ${Object.prototype.toString.call(context)}` };
} catch (e) {
  return { supported: false, detail: `createContext(): ${e}` };
} finally {
  clearTimeout(timer);
}
