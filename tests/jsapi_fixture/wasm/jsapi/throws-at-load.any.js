// META: global=window,dedicatedworker,jsshell
test(() => {}, "defined before the throw");
throw new Error("broken at load");
