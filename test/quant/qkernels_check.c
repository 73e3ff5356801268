/* Checks every optimised quantized kernel against its reference variant on
   seeded random data over many shapes (strides, padding, dilation, groups,
   depthwise, pointwise). Prints one line per case; exit code = mismatches. */
#include <stdio.h>
#include <stdlib.h>
#include "qconv.h"
#include "qgemm.h"

static uint32_t rs = 12345u;
static int32_t rnd(int32_t lo, int32_t hi) {
  rs = rs * 1664525u + 1013904223u;
  return lo + (int32_t)((rs >> 8) % (uint32_t)(hi - lo + 1));
}

#define MAXN 40000
static int8_t x8[MAXN], w8[MAXN], y8a[MAXN], y8b[MAXN];
static int16_t x16[MAXN], w16[MAXN], y16a[MAXN], y16b[MAXN];
static int32_t y32a[MAXN], y32b[MAXN], b32[512], mult[512], shift[512], shift16[512], wsum[512];
static int64_t b64[512];
static int8_t patch[4096];

static int conv_case(int32_t n, int32_t cin, int32_t ih, int32_t iw, int32_t cout, int32_t k, int32_t s, int32_t d, int32_t pad, int32_t group) {
  dnnc_qconv2d_params p;
  int32_t i, oh, ow, bad = 0;
  size_t nx, nw, ny;
  oh = (ih + 2 * pad - ((k - 1) * d + 1)) / s + 1;
  ow = (iw + 2 * pad - ((k - 1) * d + 1)) / s + 1;
  nx = (size_t)n * cin * ih * iw; nw = (size_t)cout * (cin / group) * k * k; ny = (size_t)n * cout * oh * ow;
  for (i = 0; i < (int32_t)nx; i++) { x8[i] = (int8_t)rnd(-128, 127); x16[i] = (int16_t)rnd(-32768, 32767); }
  for (i = 0; i < (int32_t)nw; i++) { w8[i] = (int8_t)rnd(-127, 127); w16[i] = (int16_t)rnd(-2000, 2000); }
  for (i = 0; i < cout; i++) {
    b32[i] = rnd(-20000, 20000); b64[i] = (int64_t)rnd(-2000000, 2000000) * 1000;
    mult[i] = rnd(1 << 30, 0x7fffffff); shift[i] = rnd(4, 12); shift16[i] = rnd(8, 20);
  }
  p.n = n; p.cin = cin; p.ih = ih; p.iw = iw; p.cout = cout; p.oh = oh; p.ow = ow; p.kh = k; p.kw = k;
  p.sh = s; p.sw = s; p.dh = d; p.dw = d; p.pt = pad; p.pl = pad; p.group = group;
  p.x_zp = rnd(-20, 20); p.y_zp = rnd(-10, 10); p.mult = mult; p.shift = shift; p.act_min = -128; p.act_max = rnd(60, 127);
  p.wsum = NULL;
  p.patch = patch; p.patch_bytes = (int32_t)sizeof patch;
  dnnc_qconv2d_i8_ref(x8, w8, b32, y8a, &p);
  dnnc_qconv2d_i8(x8, w8, b32, y8b, &p);
  if (memcmp(y8a, y8b, ny)) bad++;
  /* with the compile-time weight sums */
  for (i = 0; i < cout; i++) { int32_t k2, per = (int32_t)(nw / (size_t)cout); wsum[i] = 0; for (k2 = 0; k2 < per; k2++) wsum[i] += w8[i * per + k2]; }
  p.wsum = wsum;
  memset(y8b, 0, ny);
  dnnc_qconv2d_i8(x8, w8, b32, y8b, &p);
  if (memcmp(y8a, y8b, ny)) bad++;
  /* without the patch scratch: border pixels one by one */
  p.patch = NULL; p.patch_bytes = 0;
  memset(y8b, 0, ny);
  dnnc_qconv2d_i8(x8, w8, b32, y8b, &p);
  if (memcmp(y8a, y8b, ny)) bad++;
  p.patch = patch; p.patch_bytes = (int32_t)sizeof patch;
  p.wsum = NULL;
  dnnc_qconv2d_i8_i32_ref(x8, w8, b32, y32a, &p);
  dnnc_qconv2d_i8_i32(x8, w8, NULL, y32b, &p);
  dnnc_qconv2d_i8_i32_ref(x8, w8, NULL, y32a, &p);
  if (memcmp(y32a, y32b, ny * 4)) bad++;
  p.x_zp = 0; p.y_zp = 0; p.mult = NULL; p.shift = shift16; p.act_min = -32768; p.act_max = 32767;
  dnnc_qconv2d_i16_ref(x16, w16, b64, y16a, &p);
  dnnc_qconv2d_i16(x16, w16, b64, y16b, &p);
  if (memcmp(y16a, y16b, ny * 2)) bad++;
  printf("%s qconv n%d cin%d %dx%d cout%d k%d s%d d%d pad%d group%d\n", bad ? "MISMATCH" : "ok", n, cin, ih, iw, cout, k, s, d, pad, group);
  return bad;
}

static int gemm_case(int32_t M, int32_t N, int32_t K) {
  dnnc_qgemm_params p;
  int32_t i, bad = 0;
  for (i = 0; i < M * K; i++) { x8[i] = (int8_t)rnd(-128, 127); x16[i] = (int16_t)rnd(-32768, 32767); }
  for (i = 0; i < N * K; i++) { w8[i] = (int8_t)rnd(-127, 127); w16[i] = (int16_t)rnd(-3000, 3000); }
  for (i = 0; i < N; i++) { b32[i] = rnd(-9000, 9000); b64[i] = rnd(-900000, 900000); mult[i] = rnd(1 << 30, 0x7fffffff); shift[i] = rnd(5, 11); shift16[i] = rnd(10, 18); }
  p.M = M; p.N = N; p.K = K; p.a_zp = rnd(-30, 30); p.y_zp = rnd(-9, 9); p.mult = mult; p.shift = shift; p.act_min = rnd(-128, -100); p.act_max = 127;
  p.wsum = NULL;
  dnnc_qgemm_i8_ref(x8, w8, b32, y8a, &p);
  dnnc_qgemm_i8(x8, w8, b32, y8b, &p);
  if (memcmp(y8a, y8b, (size_t)M * N)) bad++;
  for (i = 0; i < N; i++) { int32_t k2; wsum[i] = 0; for (k2 = 0; k2 < K; k2++) wsum[i] += w8[i * K + k2]; }
  p.wsum = wsum;
  memset(y8b, 0, (size_t)M * N);
  dnnc_qgemm_i8(x8, w8, b32, y8b, &p);
  if (memcmp(y8a, y8b, (size_t)M * N)) bad++;
  p.wsum = NULL;
  dnnc_qgemm_i8_i32_ref(x8, w8, b32, y32a, &p);
  dnnc_qgemm_i8_i32(x8, w8, b32, y32b, &p);
  if (memcmp(y32a, y32b, (size_t)M * N * 4)) bad++;
  p.a_zp = 0; p.y_zp = 0; p.mult = NULL; p.shift = shift16; p.act_min = -32768; p.act_max = 32767;
  dnnc_qgemm_i16_ref(x16, w16, b64, y16a, &p);
  dnnc_qgemm_i16(x16, w16, NULL, y16b, &p);
  dnnc_qgemm_i16_ref(x16, w16, NULL, y16a, &p);
  if (memcmp(y16a, y16b, (size_t)M * N * 2)) bad++;
  printf("%s qgemm M%d N%d K%d\n", bad ? "MISMATCH" : "ok", M, N, K);
  return bad;
}

int main(void) {
  int bad = 0;
  /* pointwise */
  bad += conv_case(1, 8, 5, 7, 6, 1, 1, 1, 0, 1);
  bad += conv_case(2, 3, 4, 4, 5, 1, 1, 1, 0, 1);
  /* general direct */
  bad += conv_case(1, 3, 9, 9, 4, 3, 1, 1, 1, 1);
  bad += conv_case(1, 4, 10, 8, 6, 3, 2, 1, 1, 2);
  bad += conv_case(1, 2, 11, 11, 3, 5, 2, 1, 2, 1);
  bad += conv_case(1, 2, 9, 9, 2, 3, 1, 2, 2, 1);
  bad += conv_case(1, 3, 6, 6, 3, 3, 3, 1, 0, 1);
  /* depthwise */
  bad += conv_case(1, 8, 8, 8, 8, 3, 1, 1, 1, 8);
  bad += conv_case(1, 6, 7, 7, 12, 3, 2, 1, 1, 6);
  /* rows wider than one accumulation chunk (interior and border chunks) */
  bad += conv_case(1, 2, 6, 37, 3, 3, 1, 1, 1, 1);
  bad += conv_case(1, 4, 9, 40, 4, 3, 2, 1, 1, 4);
  /* kernel larger than the padded input on one side */
  bad += conv_case(1, 1, 2, 2, 2, 3, 1, 1, 1, 1);
  bad += gemm_case(1, 10, 16);
  bad += gemm_case(3, 7, 33);
  bad += gemm_case(4, 16, 64);
  bad += gemm_case(2, 1, 5);
  printf("%d mismatches\n", bad);
  return bad;
}
