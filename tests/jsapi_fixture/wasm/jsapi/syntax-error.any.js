// META: global=window,dedicatedworker,jsshell
test(() => {
  assert_true(true);
, "never parsed");
