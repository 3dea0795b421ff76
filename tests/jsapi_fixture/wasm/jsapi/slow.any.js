// META: global=window,dedicatedworker,jsshell
// META: timeout=normal
test(() => {}, "quick");
promise_test(() => new Promise(() => {}), "never settles");
promise_test(async () => {}, "queued behind it");
