// The wasi-nn runtime's guest: one model through the host's `wasi_ephemeral_nn` imports (the witx
// ABI that `wasmtime run -S nn` serves), timed inside the guest with the protocol of
// suites/ml/js/common.mjs `measure`, and one JSON result line on stdout (suites/ml/js/README.md's
// fields), so the host side (engines/wasi_nn.py) only parses it.
//
//   guest.wasm XML BIN WARMUPS SAMPLES MIN_SAMPLE_S BUDGET_S INPUT... OUTPUT...
//     INPUT   in=FILE:TYPE:D0xD1x...      raw little-endian tensor; TYPE f32 | i32 | i64
//     OUTPUT  out=NAME:TYPE:D0xD1x...     output N of the graph, its name and shape for the result
//   BUDGET_S < 0: no budget.
//
// Errors go to stderr with the step and the wasi-nn errno, and exit 1.
// Build: clang-19 --target=wasm32-wasi -O2 guest.c -o guest.wasm
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// --- wasi_ephemeral_nn (witx): every call returns an errno (0 = success) ---------------------------
typedef uint32_t nn_graph;
typedef uint32_t nn_context;
typedef struct {
  const uint8_t *buf;
  uint32_t len;
} nn_builder;  // one graph part: for OpenVINO, [xml, bin]
typedef struct {
  const uint32_t *dims;
  uint32_t ndims;
  uint8_t type;  // tensor_type: f16 0, f32 1, f64 2, u8 3, i32 4, i64 5
  const uint8_t *data;
  uint32_t len;
} nn_tensor;

#define NN_IMPORT(name) __attribute__((import_module("wasi_ephemeral_nn"), import_name(name)))
NN_IMPORT("load") int32_t nn_load(const nn_builder *builders, uint32_t n, uint32_t encoding, uint32_t target,
                                  nn_graph *graph);
NN_IMPORT("init_execution_context") int32_t nn_init_execution_context(nn_graph graph, nn_context *ctx);
NN_IMPORT("set_input") int32_t nn_set_input(nn_context ctx, uint32_t index, const nn_tensor *tensor);
NN_IMPORT("compute") int32_t nn_compute(nn_context ctx);
NN_IMPORT("get_output") int32_t nn_get_output(nn_context ctx, uint32_t index, uint8_t *out, uint32_t max,
                                              uint32_t *written);

enum { ENCODING_OPENVINO = 0, TARGET_CPU = 0, MAX_TENSORS = 8, MAX_DIMS = 8 };
// The witx errno names, for messages.
static const char *ERRNO[] = {"success", "invalid_argument", "invalid_encoding", "missing_memory", "busy",
                              "runtime_error", "unsupported_operation", "too_large", "not_found"};

static void fail(const char *step, int32_t err) {
  const char *name = err >= 0 && err < (int32_t)(sizeof ERRNO / sizeof *ERRNO) ? ERRNO[err] : "?";
  fprintf(stderr, "wasi-nn %s: errno %d (%s)\n", step, err, name);
  exit(1);
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "%s: %s\n", what, detail);
  exit(1);
}

// --- files and arguments ---------------------------------------------------------------------------
typedef struct {
  uint8_t *data;
  uint32_t len;
} bytes;

static bytes read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) die(path, "cannot open (is its folder mapped with --dir?)");
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  bytes b = {malloc(size > 0 ? (size_t)size : 1), (uint32_t)size};
  if (!b.data || fread(b.data, 1, (size_t)size, f) != (size_t)size) die(path, "cannot read");
  fclose(f);
  return b;
}

typedef struct {
  char name[128];
  const char *dtype;  // the result's dtype name
  uint8_t type;       // wasi-nn tensor_type
  uint32_t dims[MAX_DIMS];
  uint32_t ndims;
  uint32_t size;  // bytes
  bytes data;
} tensor_spec;

// "NAME:TYPE:D0xD1..." -> spec (NAME is a file for inputs).
static void parse_spec(const char *arg, tensor_spec *t) {
  const char *colon = strchr(arg, ':');
  const char *second = colon ? strchr(colon + 1, ':') : NULL;
  if (!colon || !second || (size_t)(colon - arg) >= sizeof t->name) die(arg, "expected NAME:TYPE:D0xD1...");
  memcpy(t->name, arg, (size_t)(colon - arg));
  t->name[colon - arg] = 0;
  uint32_t item;
  if (!strncmp(colon + 1, "f32:", 4)) t->type = 1, t->dtype = "float32", item = 4;
  else if (!strncmp(colon + 1, "i32:", 4)) t->type = 4, t->dtype = "int32", item = 4;
  else if (!strncmp(colon + 1, "i64:", 4)) t->type = 5, t->dtype = "int64", item = 8;
  else die(arg, "type must be f32, i32 or i64");
  t->ndims = 0;
  uint64_t count = 1;
  for (const char *p = second + 1; *p;) {
    char *end;
    unsigned long d = strtoul(p, &end, 10);
    if (end == p || t->ndims == MAX_DIMS) die(arg, "bad shape");
    t->dims[t->ndims++] = (uint32_t)d;
    count *= d;
    p = *end == 'x' ? end + 1 : end;
    if (*end && *end != 'x') die(arg, "bad shape");
  }
  t->size = (uint32_t)(count * item);
}

// --- timing ----------------------------------------------------------------------------------------
static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static nn_context ctx;
static tensor_spec inputs[MAX_TENSORS], outputs[MAX_TENSORS];
static uint32_t n_inputs, n_outputs;

// One inference: every input set, compute, every output read back (what a caller pays each time).
static void infer(void) {
  int32_t err;
  for (uint32_t i = 0; i < n_inputs; i++) {
    nn_tensor t = {inputs[i].dims, inputs[i].ndims, inputs[i].type, inputs[i].data.data, inputs[i].data.len};
    if ((err = nn_set_input(ctx, i, &t))) fail("set_input", err);
  }
  if ((err = nn_compute(ctx))) fail("compute", err);
  for (uint32_t i = 0; i < n_outputs; i++) {
    uint32_t written = 0;
    if ((err = nn_get_output(ctx, i, outputs[i].data.data, outputs[i].size, &written))) fail("get_output", err);
    if (written != outputs[i].size) {
      fprintf(stderr, "wasi-nn get_output %u (%s): %u bytes, its shape needs %u\n", i, outputs[i].name, written,
              outputs[i].size);
      exit(1);
    }
  }
}

static double timed_infer(void) {
  double t0 = seconds();
  infer();
  return seconds() - t0;
}

// --- output ----------------------------------------------------------------------------------------
static void print_base64(const uint8_t *p, uint32_t n) {
  static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (uint32_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    putchar(A[v >> 18 & 63]);
    putchar(A[v >> 12 & 63]);
    putchar(i + 1 < n ? A[v >> 6 & 63] : '=');
    putchar(i + 2 < n ? A[v & 63] : '=');
  }
}

static void print_dims(const tensor_spec *t) {
  putchar('[');
  for (uint32_t d = 0; d < t->ndims; d++) printf(d ? ",%u" : "%u", t->dims[d]);
  putchar(']');
}

enum { MIN_SAMPLES = 3, MAX_SAMPLES = 100000 };
static double samples[MAX_SAMPLES];

int main(int argc, char **argv) {
  if (argc < 8) die("usage", "guest.wasm XML BIN WARMUPS SAMPLES MIN_SAMPLE_S BUDGET_S in=... out=...");
  int warmups = atoi(argv[3]), wanted = atoi(argv[4]);
  double min_sample = atof(argv[5]), budget = atof(argv[6]);
  if (wanted > MAX_SAMPLES) wanted = MAX_SAMPLES;
  for (int a = 7; a < argc; a++) {
    if (!strncmp(argv[a], "in=", 3) && n_inputs < MAX_TENSORS) parse_spec(argv[a] + 3, &inputs[n_inputs++]);
    else if (!strncmp(argv[a], "out=", 4) && n_outputs < MAX_TENSORS) parse_spec(argv[a] + 4, &outputs[n_outputs++]);
    else die(argv[a], "expected in=FILE:TYPE:SHAPE or out=NAME:TYPE:SHAPE (at most 8 of each)");
  }

  // read: the graph's two parts and the inputs, from the folders the host mapped in.
  double t0 = seconds();
  bytes xml = read_file(argv[1]), bin = read_file(argv[2]);
  for (uint32_t i = 0; i < n_inputs; i++) {
    inputs[i].data = read_file(inputs[i].name);
    if (inputs[i].data.len != inputs[i].size) die(inputs[i].name, "size does not match its shape and type");
  }
  for (uint32_t i = 0; i < n_outputs; i++) {
    outputs[i].data.data = malloc(outputs[i].size ? outputs[i].size : 1);
    outputs[i].data.len = outputs[i].size;
  }
  double read_s = seconds() - t0;

  // compile: the backend builds the graph (OpenVINO compiles it for the CPU) and an execution context.
  t0 = seconds();
  nn_builder parts[2] = {{xml.data, xml.len}, {bin.data, bin.len}};
  nn_graph graph;
  int32_t err;
  if ((err = nn_load(parts, 2, ENCODING_OPENVINO, TARGET_CPU, &graph))) fail("load", err);
  if ((err = nn_init_execution_context(graph, &ctx))) fail("init_execution_context", err);
  double compile_s = seconds() - t0;

  // common.mjs `measure`: the first inference alone, warm-ups, then calibrated samples in the budget.
  double first_s = timed_infer();
  // Keep the first answer: that is the one checked, as in every runtime.
  uint8_t *first[MAX_TENSORS];
  for (uint32_t i = 0; i < n_outputs; i++) {
    first[i] = malloc(outputs[i].size ? outputs[i].size : 1);
    memcpy(first[i], outputs[i].data.data, outputs[i].size);
  }
  double deadline = budget < 0 ? INFINITY : seconds() + budget;
  double fastest = first_s;
  for (int n = 0; n < warmups && seconds() < deadline; n++) {
    double took = timed_infer();
    if (took < fastest) fastest = took;
  }
  long reps = 1;
  if (fastest < min_sample) {
    double r = ceil(min_sample / (fastest > 1e-7 ? fastest : 1e-7));
    reps = r > 1e6 ? 1000000 : (long)r;
  }
  int count = 0;
  int floor_ = wanted < MIN_SAMPLES ? wanted : MIN_SAMPLES;
  while (count < wanted && (count < floor_ || seconds() < deadline)) {
    double start = seconds();
    for (long r = 0; r < reps; r++) infer();
    samples[count++] = (seconds() - start) / (double)reps;
  }

  printf("{\"phases\": {\"read_s\": %.9g, \"compile_s\": %.9g, \"first_s\": %.9g}, \"samples_s\": [", read_s,
         compile_s, first_s);
  for (int n = 0; n < count; n++) printf(n ? ", %.9g" : "%.9g", samples[n]);
  printf("], \"reps\": %ld, \"outputs\": [", reps);
  for (uint32_t i = 0; i < n_outputs; i++) {
    printf("%s{\"name\": \"%s\", \"dtype\": \"%s\", \"shape\": ", i ? ", " : "", outputs[i].name, outputs[i].dtype);
    print_dims(&outputs[i]);
    printf(", \"data_b64\": \"");
    print_base64(first[i], outputs[i].size);
    printf("\"}");
  }
  printf("]}\n");
  return 0;
}
