// The digits CNN as a standalone wasm program (emcc -sSTANDALONE_WASM: a WASI command): reads
// the weights and then the input from stdin (emscripten 3.1.6's standalone libc opens no files:
// only the standard streams, system/lib/standalone/standalone.c), times inferences by suites/ml/js/common.mjs's
// `measure` protocol (first inference alone, warm-ups, calibrated samples within a budget),
// and prints the ml suite's result JSON (suites/ml/js/README.md) on stdout.
//
//   digits_standalone BATCH WARMUPS SAMPLES MIN_SAMPLE_S BUDGET_S(or "inf") < WEIGHTS+INPUT
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "digits_cnn.h"

#define MIN_SAMPLES 3
#define MAX_REPS 1000000
#define MAX_SAMPLES 10000

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// `count` floats from stdin; exits saying what was short.
static float *read_floats(long count, const char *what) {
  float *data = malloc(sizeof(float) * (count > 0 ? count : 1));
  if (!data || fread(data, sizeof(float), count, stdin) != (size_t)count) {
    fprintf(stderr, "stdin ended before the %s (%ld float32 values)\n", what, count);
    exit(2);
  }
  return data;
}

static void print_base64(const unsigned char *bytes, long n) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (long i = 0; i < n; i += 3) {
    unsigned v = bytes[i] << 16 | (i + 1 < n ? bytes[i + 1] << 8 : 0) | (i + 2 < n ? bytes[i + 2] : 0);
    putchar(abc[v >> 18 & 63]);
    putchar(abc[v >> 12 & 63]);
    putchar(i + 1 < n ? abc[v >> 6 & 63] : '=');
    putchar(i + 2 < n ? abc[v & 63] : '=');
  }
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s BATCH WARMUPS SAMPLES MIN_SAMPLE_S BUDGET_S < WEIGHTS+INPUT\n", argv[0]);
    return 2;
  }
  int batch = atoi(argv[1]), warmups = atoi(argv[2]), wanted = atoi(argv[3]);
  double min_sample = atof(argv[4]), budget = atof(argv[5]);  // "inf" parses as infinity
  if (wanted > MAX_SAMPLES) wanted = MAX_SAMPLES;

  double t0 = now();
  if (batch < 1) {
    fprintf(stderr, "batch %s: expected a positive number\n", argv[1]);
    return 2;
  }
  float *weights = read_floats(CNN_WEIGHT_COUNT, "weights");
  float *input = read_floats((long)batch * CNN_INPUT_SIZE, "input");
  if (getchar() != EOF) {
    fprintf(stderr, "stdin holds more than the weights and a batch of %d\n", batch);
    return 2;
  }
  double read_s = now() - t0;
  cnn_load(weights, CNN_WEIGHT_COUNT);
  float *logits = malloc(sizeof(float) * batch * CNN_OUTPUT_SIZE);

  t0 = now();
  cnn_infer(input, batch, logits);
  double first_s = now() - t0;
  double deadline = now() + budget, fastest = first_s;
  for (int n = 0; n < warmups && now() < deadline; n++) {
    t0 = now();
    cnn_infer(input, batch, logits);
    double took = now() - t0;
    if (took < fastest) fastest = took;
  }
  long reps = 1;
  if (fastest < min_sample) {
    reps = (long)ceil(min_sample / (fastest > 1e-7 ? fastest : 1e-7));
    if (reps > MAX_REPS) reps = MAX_REPS;
  }
  static double samples[MAX_SAMPLES];
  int count = 0;
  int floor_ = wanted < MIN_SAMPLES ? wanted : MIN_SAMPLES;
  while (count < wanted && (count < floor_ || now() < deadline)) {
    t0 = now();
    for (long r = 0; r < reps; r++) cnn_infer(input, batch, logits);
    samples[count++] = (now() - t0) / reps;
  }

  printf("{\"phases\": {\"read_s\": %.9g, \"compile_s\": null, \"first_s\": %.9g}, \"samples_s\": [", read_s, first_s);
  for (int n = 0; n < count; n++) printf("%s%.9g", n ? ", " : "", samples[n]);
  printf("], \"reps\": %ld, \"outputs\": [{\"name\": \"logits\", \"dtype\": \"float32\", \"shape\": [%d, %d], "
         "\"data_b64\": \"", reps, batch, CNN_OUTPUT_SIZE);
  print_base64((const unsigned char *)logits, sizeof(float) * batch * CNN_OUTPUT_SIZE);
  printf("\"}], \"threads_used\": 1, \"notes\": [\"kernels: %s\"]", cnn_build());
#ifdef __wasm__
  // The program's linear memory at its largest (it only grows): its peak.
  printf(", \"memory\": {\"kind\": \"wasm-pages\", \"bytes\": %lu}",
         (unsigned long)__builtin_wasm_memory_size(0) * 65536ul);
#endif
  printf("}\n");
  return 0;
}
