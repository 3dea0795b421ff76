// No global= line: WPT's default, window and dedicatedworker.
test(() => {
  assert_false(GLOBAL.isWindow() && GLOBAL.isWorker());
}, "runs in a page and in a worker");
