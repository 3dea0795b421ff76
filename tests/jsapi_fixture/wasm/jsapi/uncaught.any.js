// META: global=window,dedicatedworker,jsshell
test(() => {}, "passes");
setTimeout(() => {
  throw new Error("late error");
}, 0);
async_test((t) => {
  step_timeout(() => t.done(), 50);
}, "finishes after the error");
