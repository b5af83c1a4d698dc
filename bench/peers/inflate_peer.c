/* In-process decompression with the libraries Sluice could use, the peer of its codec:
 *   inflate_peer zlib|isal|libdeflate FILE [zlib|gzip|deflate]
 * FILE holds one stream in the given format (default zlib); it is read into memory first.
 * zlib and isal stream it as a server would: 256 KiB of input at a time into a 256 KiB
 * output buffer (Sluice's piece sizes), the output only counted. libdeflate has no
 * streaming API: it decompresses the whole buffer into one output buffer sized up front
 * (by an untimed first pass).
 * Prints `bytes_out=N seconds=S cpu_seconds=C` (wall and process CPU time). */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include <isa-l/igzip_lib.h>

#define PIECE (256 * 1024)

enum Format { kZlib, kGzip, kDeflate };

static double CpuNow(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double Now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int WithZlib(const unsigned char* in, size_t n, enum Format format, size_t* out_bytes) {
  static unsigned char out[PIECE];
  z_stream z;
  memset(&z, 0, sizeof z);
  int bits = format == kZlib ? 15 : format == kGzip ? 15 + 16 : -15;
  if (inflateInit2(&z, bits) != Z_OK) return -1;
  size_t fed = 0, total = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (z.avail_in == 0 && fed < n) {
      size_t piece = n - fed < PIECE ? n - fed : PIECE;
      z.next_in = (unsigned char*)in + fed;
      z.avail_in = (uInt)piece;
      fed += piece;
    }
    z.next_out = out;
    z.avail_out = PIECE;
    rc = inflate(&z, Z_NO_FLUSH);
    size_t produced = PIECE - z.avail_out;
    total += produced;
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;
    if (produced == 0 && z.avail_in == 0 && fed == n && rc != Z_STREAM_END) break; /* cut short */
  }
  inflateEnd(&z);
  *out_bytes = total;
  return rc == Z_STREAM_END ? 0 : -1;
}

static int WithIsal(const unsigned char* in, size_t n, enum Format format, size_t* out_bytes) {
  static unsigned char out[PIECE];
  struct inflate_state* s = malloc(sizeof *s);
  if (!s) return -1;
  isal_inflate_init(s);
  s->crc_flag = format == kZlib ? ISAL_ZLIB : format == kGzip ? ISAL_GZIP : ISAL_DEFLATE;
  size_t fed = 0, total = 0;
  int rc = ISAL_DECOMP_OK;
  while (s->block_state != ISAL_BLOCK_FINISH) {
    if (s->avail_in == 0 && fed < n) {
      size_t piece = n - fed < PIECE ? n - fed : PIECE;
      s->next_in = (unsigned char*)in + fed;
      s->avail_in = (uint32_t)piece;
      fed += piece;
    }
    s->next_out = out;
    s->avail_out = PIECE;
    rc = isal_inflate(s);
    size_t produced = PIECE - s->avail_out;
    total += produced;
    if (rc != ISAL_DECOMP_OK) break;
    if (produced == 0 && s->avail_in == 0 && fed == n && s->block_state != ISAL_BLOCK_FINISH) {
      break; /* cut short */
    }
  }
  int ok = rc == ISAL_DECOMP_OK && s->block_state == ISAL_BLOCK_FINISH;
  free(s);
  *out_bytes = total;
  return ok ? 0 : -1;
}

static enum libdeflate_result Libdeflate(struct libdeflate_decompressor* d, enum Format format,
                                         const unsigned char* in, size_t n, unsigned char* out,
                                         size_t cap, size_t* out_bytes) {
  return format == kZlib   ? libdeflate_zlib_decompress(d, in, n, out, cap, out_bytes)
         : format == kGzip ? libdeflate_gzip_decompress(d, in, n, out, cap, out_bytes)
                           : libdeflate_deflate_decompress(d, in, n, out, cap, out_bytes);
}

/* One untimed pass finds the output size and faults the buffer in (libdeflate needs the
 * whole output in memory up front); the timed pass decompresses again into that buffer. */
static int WithLibdeflate(const unsigned char* in, size_t n, enum Format format, size_t* out_bytes,
                          double* seconds, double* cpu_seconds) {
  struct libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  size_t cap = n * 8 + (1 << 20);
  unsigned char* out = NULL;
  enum libdeflate_result r;
  for (;;) {
    out = malloc(cap);
    if (!out) return -1;
    r = Libdeflate(d, format, in, n, out, cap, out_bytes);
    if (r != LIBDEFLATE_INSUFFICIENT_SPACE) break;
    free(out);
    cap *= 2;
  }
  if (r == LIBDEFLATE_SUCCESS) {
    double t0 = Now(), c0 = CpuNow();
    r = Libdeflate(d, format, in, n, out, cap, out_bytes);
    *seconds = Now() - t0;
    *cpu_seconds = CpuNow() - c0;
  }
  free(out);
  libdeflate_free_decompressor(d);
  return r == LIBDEFLATE_SUCCESS ? 0 : -1;
}

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: inflate_peer zlib|isal|libdeflate FILE [zlib|gzip|deflate]\n");
    return 2;
  }
  enum Format format = kZlib;
  if (argc == 4) {
    if (strcmp(argv[3], "gzip") == 0)
      format = kGzip;
    else if (strcmp(argv[3], "deflate") == 0)
      format = kDeflate;
    else if (strcmp(argv[3], "zlib") != 0) {
      fprintf(stderr, "inflate_peer: unknown format %s\n", argv[3]);
      return 2;
    }
  }
  FILE* f = fopen(argv[2], "rb");
  if (!f) {
    fprintf(stderr, "inflate_peer: cannot open %s\n", argv[2]);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  size_t n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char* in = malloc(n ? n : 1);
  if (!in || fread(in, 1, n, f) != n) {
    fprintf(stderr, "inflate_peer: cannot read %s\n", argv[2]);
    return 1;
  }
  fclose(f);
  size_t out_bytes = 0;
  double seconds = 0, cpu_seconds = 0;
  int rc;
  if (strcmp(argv[1], "libdeflate") == 0) {
    rc = WithLibdeflate(in, n, format, &out_bytes, &seconds, &cpu_seconds);
  } else {
    double t0 = Now(), c0 = CpuNow();
    if (strcmp(argv[1], "zlib") == 0)
      rc = WithZlib(in, n, format, &out_bytes);
    else if (strcmp(argv[1], "isal") == 0)
      rc = WithIsal(in, n, format, &out_bytes);
    else {
      fprintf(stderr, "inflate_peer: unknown library %s\n", argv[1]);
      return 2;
    }
    seconds = Now() - t0;
    cpu_seconds = CpuNow() - c0;
  }
  if (rc != 0) {
    fprintf(stderr, "inflate_peer: %s could not decompress %s\n", argv[1], argv[2]);
    return 1;
  }
  printf("bytes_out=%zu seconds=%.6f cpu_seconds=%.6f\n", out_bytes, seconds, cpu_seconds);
  free(in);
  return 0;
}
