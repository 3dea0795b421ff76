/* Native driver for one kernel: the same calibration and sampling as the JS and Python
 * runners (engines/js/runner.mjs, engines/pyworker.py), so native times are comparable.
 *   ./KERNEL.native SIZE MIN_SAMPLE_S WARMUPS SAMPLES [MAX_REPS]
 * prints one line of JSON (first_call_s, reps, samples_s, check, timer). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The smallest positive step between two successive readings over 1000 tries. */
static double timer_resolution(void) {
  double best = 0.0;
  for (int i = 0; i < 1000; i++) {
    double a = now_s(), b = now_s();
    while (b == a) b = now_s();
    if (best == 0.0 || b - a < best) best = b - a;
  }
  return best;
}

static double time_run(long long reps) {
  double start = now_s();
  bench_run((int32_t)reps);
  return now_s() - start;
}

static int usage(const char *prog, const char *why) {
  fprintf(stderr, "%s: %s\nusage: %s SIZE MIN_SAMPLE_S WARMUPS SAMPLES [MAX_REPS]\n", prog, why, prog);
  return 2;
}

/* A whole decimal integer in [lo, hi]; anything else is rejected. */
static int parse_int(const char *text, long long lo, long long hi, long long *out) {
  char *end;
  errno = 0;
  long long value = strtoll(text, &end, 10);
  if (errno || end == text || *end || value < lo || value > hi) return 0;
  *out = value;
  return 1;
}

int main(int argc, char **argv) {
  long long size, warmups, samples, max_reps = 1LL << 24;
  if (argc != 5 && argc != 6) return usage(argv[0], "expected 4 or 5 arguments");
  if (!parse_int(argv[1], 1, INT32_MAX, &size)) return usage(argv[0], "SIZE: a positive integer");
  char *end;
  errno = 0;
  double min_sample_s = strtod(argv[2], &end);
  if (errno || end == argv[2] || *end || !(min_sample_s >= 0.0) || isinf(min_sample_s))
    return usage(argv[0], "MIN_SAMPLE_S: seconds, a finite number >= 0");
  if (!parse_int(argv[3], 0, 1000000, &warmups)) return usage(argv[0], "WARMUPS: an integer >= 0");
  if (!parse_int(argv[4], 1, 1000000, &samples)) return usage(argv[0], "SAMPLES: an integer >= 1");
  if (argc == 6 && !parse_int(argv[5], 1, INT32_MAX, &max_reps))
    return usage(argv[0], "MAX_REPS: a positive 32-bit integer");
  double *sample_s = malloc((size_t)samples * sizeof *sample_s);
  if (!sample_s) return usage(argv[0], "out of memory for the samples");

  double resolution = timer_resolution();
  bench_init((int32_t)size);
  double first_call_s = time_run(1);

  /* A sample lasts at least MIN_SAMPLE_S and 100 timer steps, so the step is <= 1% of it. */
  double target = min_sample_s > 100 * resolution ? min_sample_s : 100 * resolution;
  long long reps = 1;
  for (;;) {
    double t = time_run(reps);
    if (t >= target || reps >= max_reps) break;
    double factor = ceil(1.2 * target / (t > resolution ? t : resolution));
    factor = factor < 2 ? 2 : factor > 10 ? 10 : factor;
    reps = reps * (long long)factor;
    if (reps > max_reps) reps = max_reps;
  }
  for (long long i = 0; i < warmups; i++) bench_run((int32_t)reps);
  for (long long i = 0; i < samples; i++) sample_s[i] = time_run(reps);

  printf("{\"first_call_s\": %.17g, \"reps\": %lld, \"samples_s\": [", first_call_s, reps);
  for (long long i = 0; i < samples; i++) printf("%s%.17g", i ? ", " : "", sample_s[i]);
  printf("], \"check\": %.17g, \"timer\": {\"clock\": \"clock_gettime(CLOCK_MONOTONIC)\", "
         "\"resolution_s\": %.17g}}\n", bench_check(), resolution);
  free(sample_s);
  return 0;
}
