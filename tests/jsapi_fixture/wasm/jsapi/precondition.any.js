// META: global=window,dedicatedworker,jsshell
test(() => {
  assert_implements_optional(false, "an optional feature");
}, "needs an optional feature");
