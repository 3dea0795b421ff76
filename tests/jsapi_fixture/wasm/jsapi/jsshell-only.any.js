// META: global=jsshell
test(() => {
  assert_false(GLOBAL.isWindow() || GLOBAL.isWorker());
}, "runs in a JavaScript shell");
