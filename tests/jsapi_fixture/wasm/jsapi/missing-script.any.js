// META: global=window,dedicatedworker,jsshell
// META: script=/wasm/jsapi/nope.js
test(() => {}, "never run");
