// As WPT's /common/*.js: a script outside wasm/jsapi, found from the WPT root.
const fromCommon = "common";
