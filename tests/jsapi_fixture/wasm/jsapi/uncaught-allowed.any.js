// META: global=window,dedicatedworker,jsshell
setup({ allow_uncaught_exception: true });
setTimeout(() => {
  throw new Error("allowed");
}, 0);
async_test((t) => {
  step_timeout(() => t.done(), 50);
}, "an uncaught error it allowed");
