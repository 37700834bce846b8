/* main.c - runs the digits int8 MLP compiled ahead of time (see build.sh).
 *
 * The model (examples/digits/mlp.mlir, quantized by eq-opt) is
 *
 *   func.func @forward(%x: tensor<256x1x8x8xf32>) -> tensor<256x10xf32>
 *
 * Lowered with --eqq-lower-to-llvm and compiled to an object, it exports
 * _mlir_ciface_forward, which takes a pointer to one memref descriptor per
 * argument and then one per result: results are out-parameters, buffers the
 * caller owns and the function fills. This is how eq-run's JIT calls it
 * (lib/Runtime/Jit.cpp).
 *
 * The program reads the test images and labels (.npy, float32 and int64),
 * runs the model on them batch by batch, and prints predictions and top-1
 * accuracy; --logits writes the logits as a float32 .npy file.
 *
 * C11; links with the model object and the C library (and -lm).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The model's static shapes: a batch of 1x8x8 images in, 10 logits out. */
enum { BATCH = 256, CHANNELS = 1, HEIGHT = 8, WIDTH = 8, CLASSES = 10 };
enum { PIXELS = CHANNELS * HEIGHT * WIDTH };

/* Ranked memref descriptors, laid out as MLIR's C interface expects. */
typedef struct {
  float *allocated; /* what was allocated (for freeing; unused by the model) */
  float *aligned;   /* where the data starts, before `offset` */
  int64_t offset;   /* in elements */
  int64_t sizes[4];
  int64_t strides[4]; /* in elements */
} MemRef4F32;

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} MemRef2F32;

/* The entry point in the model object: input first, then the result. */
void _mlir_ciface_forward(MemRef4F32 *input, MemRef2F32 *logits);

static const char *program = "digits-aot";

/* Prints "digits-aot: <message>" on stderr and exits with status 1. */
static _Noreturn void fail(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  fprintf(stderr, "%s: ", program);
  vfprintf(stderr, fmt, args);
  fputc('\n', stderr);
  va_end(args);
  exit(1);
}

/* 64-byte aligned, zeroed memory for `bytes` bytes (at least 1). */
static void *alloc_aligned(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  void *p = aligned_alloc(64, rounded ? rounded : 64);
  if (!p)
    fail("out of memory allocating %zu bytes", bytes);
  memset(p, 0, rounded ? rounded : 64);
  return p;
}

/* Row-major strides for `rank` sizes. */
static void set_strides(int rank, const int64_t *sizes, int64_t *strides) {
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= sizes[i];
  }
}

/* ---- .npy files ------------------------------------------------------------
 * Format: "\x93NUMPY", major, minor, header length (2 bytes little-endian in
 * version 1.0, 4 bytes in 2.0 and 3.0), then a Python dict literal such as
 * {'descr': '<f4', 'fortran_order': False, 'shape': (512, 1, 8, 8), }
 * padded with spaces and '\n', then the raw data. Only C-order arrays of the
 * expected dtype are accepted. */

enum { NPY_MAX_RANK = 8 };

typedef struct {
  int rank;
  int64_t shape[NPY_MAX_RANK];
  int64_t count; /* number of elements */
  void *data;    /* count elements, 64-byte aligned */
} NpyArray;

/* The value of 'key' in the header dict, or NULL. */
static const char *npy_find_key(const char *header, const char *key) {
  char quoted[32];
  snprintf(quoted, sizeof quoted, "'%s'", key);
  const char *p = strstr(header, quoted);
  if (!p)
    return NULL;
  p += strlen(quoted);
  while (*p == ' ')
    ++p;
  if (*p != ':')
    return NULL;
  ++p;
  while (*p == ' ')
    ++p;
  return p;
}

static void npy_format_shape(const NpyArray *a, char *buf, size_t size) {
  size_t n = (size_t)snprintf(buf, size, "(");
  for (int i = 0; i < a->rank && n < size; ++i)
    n += (size_t)snprintf(buf + n, size - n, "%s%lld", i ? ", " : "",
                          (long long)a->shape[i]);
  if (n < size)
    snprintf(buf + n, size - n, a->rank == 1 ? ",)" : ")");
}

/* Reads `path`, which must hold a C-order array with dtype `descr` (e.g.
 * "<f4") of `elem_size`-byte elements; exits with a message naming the file
 * and what was expected otherwise. */
static NpyArray npy_read(const char *path, const char *descr,
                         size_t elem_size) {
  /* .npy data is little-endian, as this program assumes the host is. */
  const uint16_t one = 1;
  if (*(const uint8_t *)&one != 1)
    fail("this program reads little-endian .npy data and needs a "
         "little-endian host");

  FILE *f = fopen(path, "rb");
  if (!f)
    fail("%s: cannot open: %s", path, strerror(errno));

  unsigned char prefix[12];
  if (fread(prefix, 1, 10, f) != 10 || memcmp(prefix, "\x93NUMPY", 6) != 0)
    fail("%s: not a .npy file (expected the magic \"\\x93NUMPY\")", path);
  unsigned major = prefix[6], minor = prefix[7];
  size_t header_len, prefix_len;
  if (major == 1) {
    header_len = prefix[8] | (size_t)prefix[9] << 8;
    prefix_len = 10;
  } else if (major == 2 || major == 3) {
    if (fread(prefix + 10, 1, 2, f) != 2)
      fail("%s: truncated .npy header", path);
    header_len = prefix[8] | (size_t)prefix[9] << 8 |
                 (size_t)prefix[10] << 16 | (size_t)prefix[11] << 24;
    prefix_len = 12;
  } else {
    fail("%s: .npy version %u.%u; expected 1.0, 2.0 or 3.0", path, major,
         minor);
  }
  if (header_len > (1u << 20))
    fail("%s: .npy header of %zu bytes; expected at most 1 MiB", path,
         header_len);

  char *header = malloc(header_len + 1);
  if (!header)
    fail("out of memory reading %s", path);
  if (fread(header, 1, header_len, f) != header_len)
    fail("%s: truncated .npy header (expected %zu bytes)", path, header_len);
  header[header_len] = '\0';

  /* 'descr': the dtype string. */
  const char *p = npy_find_key(header, "descr");
  if (!p || *p != '\'')
    fail("%s: the .npy header has no 'descr' string: %s", path, header);
  const char *end = strchr(p + 1, '\'');
  if (!end)
    fail("%s: unterminated 'descr' in the .npy header", path);
  if ((size_t)(end - p - 1) != strlen(descr) ||
      strncmp(p + 1, descr, strlen(descr)) != 0)
    fail("%s: dtype '%.*s'; expected '%s'", path, (int)(end - p - 1), p + 1,
         descr);

  /* 'fortran_order': must be False. */
  p = npy_find_key(header, "fortran_order");
  if (!p)
    fail("%s: the .npy header has no 'fortran_order'", path);
  if (strncmp(p, "False", 5) != 0)
    fail("%s: Fortran-order array; expected C order (fortran_order False)",
         path);

  /* 'shape': a tuple of non-negative integers. */
  NpyArray a = {0};
  p = npy_find_key(header, "shape");
  if (!p || *p != '(')
    fail("%s: the .npy header has no 'shape' tuple", path);
  ++p;
  a.count = 1;
  for (;;) {
    while (*p == ' ' || *p == ',')
      ++p;
    if (*p == ')')
      break;
    char *next;
    errno = 0;
    long long d = strtoll(p, &next, 10);
    if (next == p || errno || d < 0)
      fail("%s: malformed 'shape' in the .npy header: %s", path, header);
    if (a.rank == NPY_MAX_RANK)
      fail("%s: array of rank > %d", path, NPY_MAX_RANK);
    if (d && a.count > INT64_MAX / (int64_t)elem_size / d)
      fail("%s: 'shape' too large", path);
    a.shape[a.rank++] = d;
    a.count *= d;
    p = next;
  }
  free(header);

  /* The data: exactly count elements up to the end of the file. */
  if (fseek(f, 0, SEEK_END) != 0)
    fail("%s: cannot seek: %s", path, strerror(errno));
  long file_size = ftell(f);
  size_t data_bytes = (size_t)a.count * elem_size;
  size_t data_offset = prefix_len + header_len;
  char shape[128];
  npy_format_shape(&a, shape, sizeof shape);
  if (file_size < 0 || (size_t)file_size != data_offset + data_bytes)
    fail("%s: %ld bytes of data; shape %s of '%s' needs %zu", path,
         file_size - (long)data_offset, shape, descr, data_bytes);
  if (fseek(f, (long)data_offset, SEEK_SET) != 0)
    fail("%s: cannot seek: %s", path, strerror(errno));
  a.data = alloc_aligned(data_bytes);
  if (fread(a.data, 1, data_bytes, f) != data_bytes)
    fail("%s: cannot read %zu bytes of data", path, data_bytes);
  fclose(f);
  return a;
}

/* Writes a C-order float32 array of shape (rows, cols) to `path`. */
static void npy_write_f32(const char *path, const float *data, int64_t rows,
                          int64_t cols) {
  char header[128];
  int n = snprintf(header, sizeof header,
                   "{'descr': '<f4', 'fortran_order': False, "
                   "'shape': (%lld, %lld), }",
                   (long long)rows, (long long)cols);
  /* Pad with spaces and a final '\n' so that the data starts at a multiple of
   * 64 bytes (10 bytes of prefix, version 1.0). */
  int total = (10 + n + 1 + 63) / 64 * 64;
  int header_len = total - 10;
  memset(header + n, ' ', (size_t)(header_len - n));
  header[header_len - 1] = '\n';

  FILE *f = fopen(path, "wb");
  if (!f)
    fail("%s: cannot create: %s", path, strerror(errno));
  unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                              (unsigned char)(header_len & 0xff),
                              (unsigned char)(header_len >> 8)};
  size_t count = (size_t)(rows * cols);
  if (fwrite(prefix, 1, 10, f) != 10 ||
      fwrite(header, 1, (size_t)header_len, f) != (size_t)header_len ||
      fwrite(data, sizeof(float), count, f) != count || fclose(f) != 0)
    fail("%s: cannot write: %s", path, strerror(errno));
}

/* ---- main ----------------------------------------------------------------- */

static _Noreturn void usage(void) {
  fprintf(stderr,
          "usage: %s TEST_X.npy TEST_Y.npy [--count N] [--show K] "
          "[--logits OUT.npy]\n"
          "  TEST_X.npy  float32 images, shape (N, %d, %d, %d)\n"
          "  TEST_Y.npy  int64 labels, shape (N,)\n"
          "  --count N   use the first N images (default: all)\n"
          "  --show K    print the predictions of the first K images "
          "(default: 10)\n"
          "  --logits F  write the logits, float32 (N, %d), to F\n",
          program, CHANNELS, HEIGHT, WIDTH, CLASSES);
  exit(2);
}

static long parse_count(const char *option, const char *value) {
  char *end;
  errno = 0;
  long v = strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || errno || v < 0)
    fail("%s: '%s' is not a non-negative integer", option, value);
  return v;
}

int main(int argc, char **argv) {
  const char *x_path = NULL, *y_path = NULL, *logits_path = NULL;
  long count = -1, show = 10;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    if (!strcmp(arg, "--count") || !strcmp(arg, "--show") ||
        !strcmp(arg, "--logits")) {
      if (i + 1 == argc)
        fail("%s needs a value", arg);
      const char *value = argv[++i];
      if (!strcmp(arg, "--count"))
        count = parse_count(arg, value);
      else if (!strcmp(arg, "--show"))
        show = parse_count(arg, value);
      else
        logits_path = value;
    } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
      usage();
    } else if (arg[0] == '-' && arg[1] != '\0') {
      fprintf(stderr, "%s: unknown option '%s'\n", program, arg);
      usage();
    } else if (!x_path) {
      x_path = arg;
    } else if (!y_path) {
      y_path = arg;
    } else {
      fprintf(stderr, "%s: unexpected argument '%s'\n", program, arg);
      usage();
    }
  }
  if (!y_path)
    usage();

  /* Images (N, 1, 8, 8) float32 and labels (N,) int64. */
  NpyArray x = npy_read(x_path, "<f4", sizeof(float));
  NpyArray y = npy_read(y_path, "<i8", sizeof(int64_t));
  char shape[128];
  npy_format_shape(&x, shape, sizeof shape);
  if (x.rank != 4 || x.shape[1] != CHANNELS || x.shape[2] != HEIGHT ||
      x.shape[3] != WIDTH)
    fail("%s: shape %s; expected (N, %d, %d, %d)", x_path, shape, CHANNELS,
         HEIGHT, WIDTH);
  int64_t n = x.shape[0];
  if (y.rank != 1 || y.shape[0] != n) {
    npy_format_shape(&y, shape, sizeof shape);
    fail("%s: shape %s; expected (%lld,), one label per image of %s", y_path,
         shape, (long long)n, x_path);
  }
  if (count >= 0) {
    if (count > n)
      fail("--count %ld: %s holds only %lld images", count, x_path,
           (long long)n);
    n = count;
  }
  if (n == 0)
    fail("no images to run");

  /* One batch in, one batch of logits out, as memref descriptors over
   * buffers this program owns. */
  float *in_buf = alloc_aligned(sizeof(float) * BATCH * PIXELS);
  float *out_buf = alloc_aligned(sizeof(float) * BATCH * CLASSES);
  MemRef4F32 in = {in_buf, in_buf, 0, {BATCH, CHANNELS, HEIGHT, WIDTH}, {0}};
  MemRef2F32 out = {out_buf, out_buf, 0, {BATCH, CLASSES}, {0}};
  set_strides(4, in.sizes, in.strides);
  set_strides(2, out.sizes, out.strides);

  /* Run every batch; a last partial batch is padded with zero images. */
  float *logits = alloc_aligned(sizeof(float) * (size_t)n * CLASSES);
  const float *images = x.data;
  int64_t calls = 0;
  for (int64_t start = 0; start < n; start += BATCH) {
    int64_t m = n - start < BATCH ? n - start : BATCH;
    memset(in_buf, 0, sizeof(float) * BATCH * PIXELS);
    memcpy(in_buf, images + start * PIXELS, sizeof(float) * m * PIXELS);
    _mlir_ciface_forward(&in, &out);
    memcpy(logits + start * CLASSES, out_buf, sizeof(float) * m * CLASSES);
    ++calls;
  }

  /* Predictions (the first largest logit, as numpy.argmax) and accuracy. */
  const int64_t *labels = y.data;
  int64_t correct = 0;
  printf("%lld images from %s, %lld call%s of _mlir_ciface_forward "
         "(batch %d)\n",
         (long long)n, x_path, (long long)calls, calls == 1 ? "" : "s", BATCH);
  for (int64_t i = 0; i < n; ++i) {
    const float *row = logits + i * CLASSES;
    int best = 0;
    for (int c = 1; c < CLASSES; ++c)
      if (row[c] > row[best])
        best = c;
    correct += best == labels[i];
    if (i < show)
      printf("image %lld: predicted %d, label %lld%s\n", (long long)i, best,
             (long long)labels[i], best == labels[i] ? "" : " (wrong)");
  }
  printf("accuracy: %lld/%lld (%.2f%%)\n", (long long)correct, (long long)n,
         100.0 * (double)correct / (double)n);

  if (logits_path)
    npy_write_f32(logits_path, logits, n, CLASSES);

  free(logits);
  free(out_buf);
  free(in_buf);
  free(y.data);
  free(x.data);
  return 0;
}
