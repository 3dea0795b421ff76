// A script named relative to the test file.
var fromRelative = "relative";
