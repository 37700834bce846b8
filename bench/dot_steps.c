// Throughput of the AVX2 int8 dot-product steps, per 128 multiply-adds:
//   exact:      8 vpmaddwd (u8 and s8 widened to 16 bits) + 8 vpaddd
//   saturating: 4 vpmaddubsw (pairs summed to int16, saturating) +
//               4 vpmaddwd (by ones, to int32) + 4 vpaddd
//   exact+zx:   the exact step with 4 vpmovzxbw (activations widened at
//               every step, as before the packed input held i16)
// Independent accumulators, no memory operands: the instruction mix alone.
// Build and run: gcc -O2 -mavx2 bench/dot_steps.c -o /tmp/dot_steps &&
// taskset -c 1 /tmp/dot_steps. Prints each loop's G multiply-adds per second,
// best of 7 interleaved rounds, and its ratio to the exact step.
#include <stdio.h>
#include <time.h>

#define ACC "ymm2", "ymm3", "ymm4", "ymm5", "ymm6", "ymm7", "ymm8", "ymm9"
#define TMP "ymm10", "ymm11", "ymm12", "ymm13", "ymm14", "ymm15"

static void exact(long n) {
  for (long i = 0; i < n; ++i)
    __asm__ volatile(
        "vpmaddwd %%ymm0, %%ymm1, %%ymm10\n vpaddd %%ymm10, %%ymm2, %%ymm2\n"
        "vpmaddwd %%ymm0, %%ymm1, %%ymm11\n vpaddd %%ymm11, %%ymm3, %%ymm3\n"
        "vpmaddwd %%ymm0, %%ymm1, %%ymm12\n vpaddd %%ymm12, %%ymm4, %%ymm4\n"
        "vpmaddwd %%ymm0, %%ymm1, %%ymm13\n vpaddd %%ymm13, %%ymm5, %%ymm5\n"
        "vpmaddwd %%ymm0, %%ymm1, %%ymm10\n vpaddd %%ymm10, %%ymm6, %%ymm6\n"
        "vpmaddwd %%ymm0, %%ymm1, %%ymm11\n vpaddd %%ymm11, %%ymm7, %%ymm7\n"
        "vpmaddwd %%ymm0, %%ymm1, %%ymm12\n vpaddd %%ymm12, %%ymm8, %%ymm8\n"
        "vpmaddwd %%ymm0, %%ymm1, %%ymm13\n vpaddd %%ymm13, %%ymm9, %%ymm9\n" ::
            : ACC, TMP);
}

static void saturating(long n) {
  for (long i = 0; i < n; ++i)
    __asm__ volatile(
        "vpmaddubsw %%ymm0, %%ymm1, %%ymm10\n vpmaddwd %%ymm15, %%ymm10, %%ymm10\n"
        "vpaddd %%ymm10, %%ymm2, %%ymm2\n"
        "vpmaddubsw %%ymm0, %%ymm1, %%ymm11\n vpmaddwd %%ymm15, %%ymm11, %%ymm11\n"
        "vpaddd %%ymm11, %%ymm3, %%ymm3\n"
        "vpmaddubsw %%ymm0, %%ymm1, %%ymm12\n vpmaddwd %%ymm15, %%ymm12, %%ymm12\n"
        "vpaddd %%ymm12, %%ymm4, %%ymm4\n"
        "vpmaddubsw %%ymm0, %%ymm1, %%ymm13\n vpmaddwd %%ymm15, %%ymm13, %%ymm13\n"
        "vpaddd %%ymm13, %%ymm5, %%ymm5\n" ::
            : ACC, TMP);
}

static void exactExtend(long n) {
  for (long i = 0; i < n; ++i)
    __asm__ volatile(
        "vpmovzxbw %%xmm0, %%ymm14\n vpmovzxbw %%xmm1, %%ymm15\n"
        "vpmaddwd %%ymm14, %%ymm1, %%ymm10\n vpaddd %%ymm10, %%ymm2, %%ymm2\n"
        "vpmaddwd %%ymm14, %%ymm1, %%ymm11\n vpaddd %%ymm11, %%ymm3, %%ymm3\n"
        "vpmaddwd %%ymm15, %%ymm1, %%ymm12\n vpaddd %%ymm12, %%ymm4, %%ymm4\n"
        "vpmaddwd %%ymm15, %%ymm1, %%ymm13\n vpaddd %%ymm13, %%ymm5, %%ymm5\n"
        "vpmovzxbw %%xmm1, %%ymm14\n vpmovzxbw %%xmm0, %%ymm15\n"
        "vpmaddwd %%ymm14, %%ymm1, %%ymm10\n vpaddd %%ymm10, %%ymm6, %%ymm6\n"
        "vpmaddwd %%ymm14, %%ymm1, %%ymm11\n vpaddd %%ymm11, %%ymm7, %%ymm7\n"
        "vpmaddwd %%ymm15, %%ymm1, %%ymm12\n vpaddd %%ymm12, %%ymm8, %%ymm8\n"
        "vpmaddwd %%ymm15, %%ymm1, %%ymm13\n vpaddd %%ymm13, %%ymm9, %%ymm9\n" ::
            : ACC, TMP);
}

static double seconds(void (*loop)(long), long n) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  loop(n);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
}

int main(void) {
  const long n = 20000000;
  const char *names[] = {"exact (8 vpmaddwd + 8 vpaddd)",
                         "saturating (4 vpmaddubsw + 4 vpmaddwd + 4 vpaddd)",
                         "exact + 4 vpmovzxbw"};
  void (*loops[])(long) = {exact, saturating, exactExtend};
  double best[3] = {1e30, 1e30, 1e30};
  for (int round = 0; round < 7; ++round)
    for (int k = 0; k < 3; ++k) {
      double s = seconds(loops[k], n);
      if (s < best[k])
        best[k] = s;
    }
  for (int k = 0; k < 3; ++k)
    printf("%-52s %6.1f G multiply-adds/s  %.2fx exact\n", names[k],
           128.0 * (double)n / best[k] / 1e9, best[0] / best[k]);
  return 0;
}
