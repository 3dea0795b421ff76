/* wasm-harness's testharness.js-compatible shim (the jsapi suite's default harness).
 *
 * The subset of WPT's testharness.js API that JS API tests use, with the same
 * names, statuses and completion protocol as testharness.js in a JavaScript shell
 * (ShellTestEnvironment): `test`, `async_test`, `promise_test`, `promise_rejects_*`,
 * `setup`/`done`, `step_timeout`, the `assert_*` functions, `format_value`,
 * `add_*_callback` and `timeout()`. It is loaded exactly as testharness.js is, as
 * `(function (global_scope) {...})(self)`, so suites/jsapi/resources/run_file.js treats
 * both alike. Statuses: test PASS 0, FAIL 1, TIMEOUT 2, NOTRUN 3, PRECONDITION_FAILED 4;
 * harness OK 0, ERROR 1, TIMEOUT 2, PRECONDITION_FAILED 3.
 */
(function (global_scope) {
  "use strict";

  function expose(object, name) {
    global_scope[name] = object;
  }

  // --- values and messages ---------------------------------------------------
  function same_value(a, b) {
    return Object.is(a, b);
  }

  function format_value(val, seen) {
    seen = seen || [];
    if (typeof val === "object" && val !== null) {
      if (seen.indexOf(val) >= 0) return "[...]";
      seen = seen.concat([val]);
    }
    if (Array.isArray(val)) return "[" + val.map((v) => format_value(v, seen)).join(", ") + "]";
    switch (typeof val) {
      case "string":
        return JSON.stringify(val);
      case "boolean":
      case "undefined":
        return String(val);
      case "number":
        return Object.is(val, -0) ? "-0" : String(val);
      case "bigint":
        return String(val) + "n";
      case "object":
        if (val === null) return "null";
      // falls through: as testharness.js, the type and the value as a string
      default:
        try {
          const text = String(val);
          return typeof val + " \"" + (text.length > 1000 ? text.slice(0, 999) + "\u2026" : text) + "\"";
        } catch (e) {
          return "[stringifying object threw " + String(e) + " with type " + String(typeof e) + "]";
        }
    }
  }

  function make_message(function_name, description, error, substitutions) {
    const filled = error.replace(/\$\{([^}]+)\}/g, (_, name) => format_value(substitutions[name]));
    return function_name + ": " + (description ? description + " " : "") + filled;
  }

  function AssertionError(message) {
    if (typeof message === "string") message = message.replace(/\s+$/, "");
    this.message = message;
    this.stack = new Error().stack;
  }
  AssertionError.prototype = Object.create(Error.prototype);
  AssertionError.prototype.name = "AssertionError";
  AssertionError.prototype.constructor = AssertionError;

  function OptionalFeatureUnsupportedError(message) {
    AssertionError.call(this, message);
  }
  OptionalFeatureUnsupportedError.prototype = Object.create(AssertionError.prototype);
  OptionalFeatureUnsupportedError.prototype.name = "OptionalFeatureUnsupportedError";

  function assert(expected_true, function_name, description, error, substitutions) {
    if (expected_true !== true) throw new AssertionError(make_message(function_name, description, error, substitutions || {}));
  }

  // --- assertions --------------------------------------------------------------
  const asserts = {
    assert_true(actual, description) {
      assert(actual === true, "assert_true", description, "expected true got ${actual}", { actual });
    },
    assert_false(actual, description) {
      assert(actual === false, "assert_false", description, "expected false got ${actual}", { actual });
    },
    assert_equals(actual, expected, description) {
      if (typeof actual !== typeof expected) {
        assert(false, "assert_equals", description, "expected (" + typeof expected + ") ${expected} but got (" + typeof actual + ") ${actual}", { expected, actual });
        return;
      }
      assert(same_value(actual, expected), "assert_equals", description, "expected ${expected} but got ${actual}", { expected, actual });
    },
    assert_not_equals(actual, expected, description) {
      assert(!same_value(actual, expected), "assert_not_equals", description, "got disallowed value ${actual}", { actual });
    },
    assert_in_array(actual, expected, description) {
      assert(expected.indexOf(actual) !== -1, "assert_in_array", description, "value ${actual} not in array ${expected}", { actual, expected });
    },
    assert_array_equals(actual, expected, description) {
      assert(typeof actual === "object" && actual !== null && "length" in actual, "assert_array_equals", description, "value is ${actual}, expected array", { actual });
      assert(actual.length === expected.length, "assert_array_equals", description, "lengths differ, expected array ${expected} length ${elength}, got ${actual} length ${alength}", { expected, elength: expected.length, actual, alength: actual.length });
      for (let i = 0; i < actual.length; i++) {
        assert(actual.hasOwnProperty(i) === expected.hasOwnProperty(i), "assert_array_equals", description, "expected property ${i} to be ${expected} but was ${actual} (expected array ${arrayExpected} got ${arrayActual})", { i, expected: expected.hasOwnProperty(i) ? "present" : "missing", actual: actual.hasOwnProperty(i) ? "present" : "missing", arrayExpected: expected, arrayActual: actual });
        assert(same_value(expected[i], actual[i]), "assert_array_equals", description, "expected property ${i} to be ${expected} but got ${actual} (expected array ${arrayExpected} got ${arrayActual})", { i, expected: expected[i], actual: actual[i], arrayExpected: expected, arrayActual: actual });
      }
    },
    assert_approx_equals(actual, expected, epsilon, description) {
      assert(typeof actual === typeof expected, "assert_approx_equals", description, "expected a ${type_expected} but got a ${type_actual}", { type_expected: typeof expected, type_actual: typeof actual });
      assert(Math.abs(actual - expected) <= epsilon, "assert_approx_equals", description, "expected ${expected} +/- ${epsilon} but got ${actual}", { expected, actual, epsilon });
    },
    assert_array_approx_equals(actual, expected, epsilon, description) {
      assert(actual.length === expected.length, "assert_array_approx_equals", description, "lengths differ, expected ${expected} got ${actual}", { expected: expected.length, actual: actual.length });
      for (let i = 0; i < actual.length; i++) {
        assert(Math.abs(actual[i] - expected[i]) <= epsilon, "assert_array_approx_equals", description, "expected ${expected} +/- ${epsilon} at index ${i} but got ${actual}", { expected: expected[i], actual: actual[i], epsilon, i });
      }
    },
    assert_less_than(actual, expected, description) {
      assert(typeof actual === typeof expected && actual < expected, "assert_less_than", description, "expected a number less than ${expected} but got ${actual}", { expected, actual });
    },
    assert_greater_than(actual, expected, description) {
      assert(typeof actual === typeof expected && actual > expected, "assert_greater_than", description, "expected a number greater than ${expected} but got ${actual}", { expected, actual });
    },
    assert_less_than_equal(actual, expected, description) {
      assert(typeof actual === typeof expected && actual <= expected, "assert_less_than_equal", description, "expected a number less than or equal to ${expected} but got ${actual}", { expected, actual });
    },
    assert_greater_than_equal(actual, expected, description) {
      assert(typeof actual === typeof expected && actual >= expected, "assert_greater_than_equal", description, "expected a number greater than or equal to ${expected} but got ${actual}", { expected, actual });
    },
    assert_between_exclusive(actual, lower, upper, description) {
      assert(typeof actual === "number" && actual > lower && actual < upper, "assert_between_exclusive", description, "expected a number greater than ${lower} and less than ${upper} but got ${actual}", { lower, upper, actual });
    },
    assert_between_inclusive(actual, lower, upper, description) {
      assert(typeof actual === "number" && actual >= lower && actual <= upper, "assert_between_inclusive", description, "expected a number greater than or equal to ${lower} and less than or equal to ${upper} but got ${actual}", { lower, upper, actual });
    },
    assert_regexp_match(actual, expected, description) {
      assert(expected.test(actual), "assert_regexp_match", description, "expected ${expected} but got ${actual}", { expected, actual });
    },
    assert_class_string(object, class_string, description) {
      const actual = Object.prototype.toString.call(object);
      const expected = "[object " + class_string + "]";
      assert(same_value(actual, expected), "assert_class_string", description, "expected ${expected} but got ${actual}", { expected, actual });
    },
    assert_own_property(object, property_name, description) {
      assert(Object.prototype.hasOwnProperty.call(object, property_name), "assert_own_property", description, "expected property ${p} missing", { p: property_name });
    },
    assert_not_own_property(object, property_name, description) {
      assert(!Object.prototype.hasOwnProperty.call(object, property_name), "assert_not_own_property", description, "unexpected property ${p} is found on object", { p: property_name });
    },
    assert_inherits(object, property_name, description) {
      assert(typeof object === "object" || typeof object === "function", "assert_inherits", description, "provided value is not an object");
      assert(!Object.prototype.hasOwnProperty.call(object, property_name), "assert_inherits", description, "property ${p} found on object expected in prototype chain", { p: property_name });
      assert(property_name in object, "assert_inherits", description, "property ${p} not found in prototype chain", { p: property_name });
    },
    assert_throws_js(constructor, func, description) {
      throws_js_impl(constructor, func, description, "assert_throws_js");
    },
    assert_throws_exactly(exception, func, description) {
      throws_exactly_impl(exception, func, description, "assert_throws_exactly");
    },
    assert_unreached(description) {
      assert(false, "assert_unreached", description, "Reached unreachable code");
    },
    assert_implements(condition, description) {
      assert(!!condition, "assert_implements", description);
    },
    assert_implements_optional(condition, description) {
      if (!condition) throw new OptionalFeatureUnsupportedError(description);
    },
  };

  function throws_js_impl(constructor, func, description, assertion_type) {
    try {
      func.call(this);
      assert(false, assertion_type, description, "${func} did not throw", { func });
    } catch (e) {
      if (e instanceof AssertionError) throw e;
      assert(typeof e === "object", assertion_type, description, "${func} threw ${e} with type ${type}, not an object", { func, e, type: typeof e });
      assert(e !== null, assertion_type, description, "${func} threw null, not an object", { func });
      assert(e.constructor === constructor && e.name === constructor.name, assertion_type, description,
        "${func} threw ${actual} (${actual_name}) expected instance of ${expected} (${expected_name})",
        { func, actual: e, actual_name: e.name, expected: constructor, expected_name: constructor.name });
    }
  }

  function throws_exactly_impl(exception, func, description, assertion_type) {
    try {
      func.call(this);
      assert(false, assertion_type, description, "${func} did not throw", { func });
    } catch (e) {
      if (e instanceof AssertionError) throw e;
      assert(same_value(e, exception), assertion_type, description, "${func} threw ${e} but we expected it to throw ${exception}", { func, e, exception });
    }
  }

  for (const name of Object.keys(asserts)) expose(asserts[name], name);

  // --- tests -----------------------------------------------------------------------
  const PASS = 0, FAIL = 1, TIMEOUT = 2, NOTRUN = 3, PRECONDITION_FAILED = 4;
  const HARNESS_OK = 0, HARNESS_ERROR = 1, HARNESS_TIMEOUT = 2, HARNESS_PRECONDITION_FAILED = 3;
  const INITIAL = 0, STARTED = 1, HAS_RESULT = 2, CLEANING = 3, COMPLETE = 4;

  const state = {
    tests: [],
    all_loaded: false,
    explicit_done: false,
    done_called: false,
    allow_uncaught_exception: false,
    status: { status: HARNESS_OK, message: null, stack: null },
    completion_callbacks: [],
    result_callbacks: [],
    start_callbacks: [],
    state_callbacks: [],
    started: false,
    complete: false,
    promise_chain: Promise.resolve(),
    title_counter: 0,
  };

  function default_name() {
    const title = typeof META_TITLE !== "undefined" && META_TITLE ? META_TITLE : "Untitled";
    const suffix = state.title_counter > 0 ? " " + state.title_counter : "";
    state.title_counter++;
    return title + suffix;
  }

  function Test(name, properties) {
    this.name = name;
    this.properties = properties || {};
    this.status = NOTRUN;
    this.message = null;
    this.stack = null;
    this.phase = INITIAL;
    this.cleanup_callbacks = [];
    this.timeout_id = null;
    this.PASS = PASS;
    this.FAIL = FAIL;
    this.TIMEOUT = TIMEOUT;
    this.NOTRUN = NOTRUN;
    this.PRECONDITION_FAILED = PRECONDITION_FAILED;
    state.tests.push(this);
    if (!state.started) {
      state.started = true;
      for (const cb of state.start_callbacks) cb(state.status);
    }
  }

  Test.prototype.structured_clone = function () {
    return { name: this.name, status: this.status, message: this.message, stack: this.stack };
  };

  Test.prototype.step = function (func, this_obj, ...args) {
    if (this.phase > STARTED) return undefined;
    this.phase = STARTED;
    try {
      return func.apply(this_obj === undefined ? this : this_obj, args);
    } catch (e) {
      if (this.phase >= HAS_RESULT) return undefined;
      this.set_failure(e);
      this.done();
      return undefined;
    }
  };

  Test.prototype.set_failure = function (e) {
    const optional = e instanceof OptionalFeatureUnsupportedError;
    this.status = optional ? PRECONDITION_FAILED : FAIL;
    let message;
    if (typeof e === "object" && e !== null) {
      message = String(e.message); // as testharness.js: the message alone
      this.stack = e.stack || null;
    } else {
      message = String(e);
    }
    this.message = message;
    this.phase = HAS_RESULT;
  };

  Test.prototype.step_func = function (func, this_obj) {
    const test = this;
    return function (...args) {
      return test.step(func, this_obj === undefined ? this : this_obj, ...args);
    };
  };

  Test.prototype.step_func_done = function (func, this_obj) {
    const test = this;
    return function (...args) {
      if (func) test.step(func, this_obj === undefined ? this : this_obj, ...args);
      test.done();
    };
  };

  Test.prototype.unreached_func = function (description) {
    return this.step_func(function () {
      asserts.assert_unreached(description);
    });
  };

  Test.prototype.step_timeout = function (func, timeout, ...args) {
    const test = this;
    return setTimeout(function () {
      test.step(func, test, ...args);
    }, timeout);
  };

  Test.prototype.step_wait_func_done = Test.prototype.step_func_done;

  Test.prototype.add_cleanup = function (callback) {
    this.cleanup_callbacks.push(callback);
  };

  Test.prototype.force_timeout = function () {
    this.status = TIMEOUT;
    this.phase = HAS_RESULT;
    this.done();
  };
  Test.prototype.timeout = Test.prototype.force_timeout;

  Test.prototype.done = function () {
    if (this.phase >= CLEANING) return;
    if (this.phase <= STARTED) {
      this.status = PASS;
      this.phase = HAS_RESULT;
    }
    this.phase = CLEANING;
    const cleanups = this.cleanup_callbacks.map((cb) => {
      try {
        return cb();
      } catch (e) {
        state.status.status = HARNESS_ERROR;
        state.status.message = "Test named '" + this.name + "' threw an error during cleanup: " + e;
        return undefined;
      }
    });
    const finish = () => {
      this.phase = COMPLETE;
      for (const cb of state.result_callbacks) cb(this);
      maybe_complete();
    };
    const pending = cleanups.filter((r) => r && typeof r.then === "function");
    if (pending.length) Promise.all(pending).then(finish, finish);
    else finish();
  };

  function name_and_props(name, properties, func) {
    return { name: name || (func && func.name) || default_name(), properties: properties || {} };
  }

  function test(func, name, properties) {
    const n = name_and_props(name, properties, null);
    const t = new Test(n.name, n.properties);
    t.step(func, t, t);
    t.done();
    return t;
  }

  function async_test(func, name, properties) {
    if (typeof func !== "function") {
      properties = name;
      name = func;
      func = null;
    }
    const n = name_and_props(name, properties, null);
    const t = new Test(n.name, n.properties);
    if (func) t.step(func, t, t);
    return t;
  }

  function promise_test(func, name, properties) {
    const n = name_and_props(name, properties, null);
    const t = new Test(n.name, n.properties);
    // As testharness.js: promise tests run one after another, in the order they were defined.
    state.promise_chain = state.promise_chain.then(() => {
      if (t.phase >= HAS_RESULT) return undefined;
      let promise;
      t.phase = STARTED;
      try {
        promise = func(t);
      } catch (e) {
        t.set_failure(e);
        t.done();
        return undefined;
      }
      if (!promise || typeof promise.then !== "function") {
        t.set_failure(new AssertionError("promise_test: test body must return a 'thenable' object (received " + format_value(promise) + ")"));
        t.done();
        return undefined;
      }
      return Promise.resolve(promise).then(
        () => t.done(),
        (e) => {
          if (t.phase < HAS_RESULT) t.set_failure(e);
          t.done();
        });
    });
    return t;
  }

  function promise_rejects_js(test, constructor, promise, description) {
    return promise.then(
      () => asserts.assert_unreached("Should have rejected: " + (description || "")),
      (e) => throws_js_impl(constructor, () => { throw e; }, description, "promise_rejects_js"));
  }

  function promise_rejects_exactly(test, exception, promise, description) {
    return promise.then(
      () => asserts.assert_unreached("Should have rejected: " + (description || "")),
      (e) => throws_exactly_impl(exception, () => { throw e; }, description, "promise_rejects_exactly"));
  }

  function generate_tests(func, args, properties) {
    for (const [name, ...rest] of args) test(() => func(...rest), name, properties);
  }

  function setup(func_or_properties, maybe_properties) {
    let properties = func_or_properties;
    if (typeof func_or_properties === "function") {
      properties = maybe_properties;
      try {
        func_or_properties();
      } catch (e) {
        state.status.status = e instanceof OptionalFeatureUnsupportedError ? HARNESS_PRECONDITION_FAILED : HARNESS_ERROR;
        state.status.message = String(e && e.message !== undefined ? e.message : e);
        state.status.stack = e && e.stack ? e.stack : null;
        complete();
      }
    }
    properties = properties || {};
    if (properties.explicit_done) state.explicit_done = true;
    if (properties.allow_uncaught_exception) state.allow_uncaught_exception = true;
  }

  function promise_setup(func, properties) {
    setup(properties || {});
    const previous = state.promise_chain;
    state.promise_chain = previous.then(() => func()).catch((e) => {
      state.status.status = HARNESS_ERROR;
      state.status.message = "promise_setup: " + (e && e.message !== undefined ? e.message : e);
      complete();
    });
  }

  function done() {
    state.done_called = true;
    maybe_complete();
  }

  function step_timeout(func, timeout, ...args) {
    return setTimeout(() => func(...args), timeout);
  }

  function maybe_complete() {
    if (state.complete || !state.all_loaded) return;
    if (state.explicit_done && !state.done_called) return;
    if (state.tests.every((t) => t.phase === COMPLETE)) complete();
  }

  function complete() {
    if (state.complete) return;
    state.complete = true;
    for (const t of state.tests) {
      if (t.phase < COMPLETE) {
        // Not finished when the harness stopped: started tests time out, the others never ran.
        if (t.phase === INITIAL) {
          t.status = NOTRUN;
        } else if (t.phase < HAS_RESULT) {
          t.status = TIMEOUT;
          t.message = "Test timed out";
        }
        t.phase = COMPLETE;
      }
    }
    for (const cb of state.completion_callbacks) cb(state.tests, state.status, []);
  }

  // testharness.js's `timeout()`: stop the harness now, as a harness timeout.
  function timeout() {
    if (state.complete) return;
    state.status.status = HARNESS_TIMEOUT;
    complete();
  }

  expose(test, "test");
  expose(async_test, "async_test");
  expose(promise_test, "promise_test");
  expose(promise_rejects_js, "promise_rejects_js");
  expose(promise_rejects_exactly, "promise_rejects_exactly");
  expose(generate_tests, "generate_tests");
  expose(setup, "setup");
  expose(promise_setup, "promise_setup");
  expose(done, "done");
  expose(step_timeout, "step_timeout");
  expose(format_value, "format_value");
  expose(timeout, "timeout");
  expose(AssertionError, "AssertionError");
  expose(OptionalFeatureUnsupportedError, "OptionalFeatureUnsupportedError");
  expose((cb) => state.start_callbacks.push(cb), "add_start_callback");
  expose((cb) => state.state_callbacks.push(cb), "add_test_state_callback");
  expose((cb) => state.result_callbacks.push(cb), "add_result_callback");
  expose((cb) => state.completion_callbacks.push(cb), "add_completion_callback");

  // As ShellTestEnvironment: the file has loaded once the current script has run.
  Promise.resolve().then(() => {
    state.all_loaded = true;
    maybe_complete();
  });
})(self);
