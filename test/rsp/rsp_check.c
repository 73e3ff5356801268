/* Test harness: runs the RSP-exact C reference of a kernel and, where dnnc
   has one, the CPU int16 kernel on the same data. Input file (host byte
   order): int32 kind, int32 np, int32 params[np], int32 na, then na arrays
   of (int32 len, int16 data[len]). Output file: int32 n, then n arrays of
   (int32 len, int16 data[len]): the RSP reference, then the CPU kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rspref.h"
#include "qconv.h"
#include "qelementwise.h"
#include "qpool.h"

static int32_t rd32(FILE *f) { int32_t v; if (fread(&v, 4, 1, f) != 1) exit(3); return v; }

int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "rb"), *o;
  int32_t kind, np, na, i, p[16] = {0}, len[8] = {0};
  int16_t *a[8] = {0}, *ref = NULL, *cpu = NULL;
  size_t nout = 0;
  if (argc < 3 || !f) return 2;
  kind = rd32(f); np = rd32(f);
  for (i = 0; i < np; i++) p[i] = rd32(f);
  na = rd32(f);
  for (i = 0; i < na; i++) {
    len[i] = rd32(f);
    a[i] = (int16_t *)malloc((size_t)len[i] * 2 + 2);
    if (fread(a[i], 2, (size_t)len[i], f) != (size_t)len[i]) return 3;
  }
  fclose(f);
  if (kind == 0 || kind == 1) {
    /* gemm: K P Co lo hi | x w prm shift ; dw: C OH OW IWp lo hi | x w prm shift */
    const int dw = kind == 1;
    const int32_t co_n = dw ? p[0] : p[2];
    int32_t *shift = (int32_t *)malloc((size_t)co_n * 4);
    int64_t *bias = (int64_t *)malloc((size_t)co_n * 8);
    dnnc_qconv2d_params q;
    for (i = 0; i < co_n; i++) {
      const int16_t *pr = a[2] + 8 * i;
      const int64_t c = (int64_t)(int32_t)(((uint32_t)(uint16_t)pr[1] << 16) | (uint16_t)pr[0]);
      shift[i] = a[3][i];
      bias[i] = c - ((int64_t)1 << (shift[i] - 1));
    }
    memset(&q, 0, sizeof q);
    q.n = 1; q.sh = q.sw = q.dh = q.dw = 1; q.shift = shift;
    if (!dw) {
      q.cin = p[0]; q.ih = 1; q.iw = p[1]; q.cout = p[2]; q.oh = 1; q.ow = p[1]; q.kh = q.kw = 1; q.group = 1;
      q.act_min = p[3]; q.act_max = p[4];
      nout = (size_t)p[2] * p[1];
      ref = (int16_t *)malloc(nout * 2); cpu = (int16_t *)malloc(nout * 2);
      dnnc_rsp_gemm_ref(a[0], a[1], a[2], ref, p[0], p[1], p[2]);
      dnnc_qconv2d_i16(a[0], a[1], bias, cpu, &q);
    } else {
      const int32_t C = p[0], OH = p[1], OW = p[2], IWp = p[3];
      int16_t *xd = (int16_t *)malloc((size_t)C * (OH + 2) * (OW + 2) * 2);
      int32_t c, r, x;
      for (c = 0; c < C; c++) for (r = 0; r < OH + 2; r++) for (x = 0; x < OW + 2; x++)
        xd[((size_t)c * (OH + 2) + r) * (OW + 2) + x] = a[0][((size_t)c * (OH + 2) + r) * IWp + x];
      q.cin = q.cout = q.group = C; q.ih = OH + 2; q.iw = OW + 2; q.oh = OH; q.ow = OW; q.kh = q.kw = 3;
      q.act_min = p[4]; q.act_max = p[5];
      nout = (size_t)C * OH * OW;
      ref = (int16_t *)malloc(nout * 2); cpu = (int16_t *)malloc(nout * 2);
      dnnc_rsp_dw3x3_ref(a[0], a[1], a[2], ref, C, OH, OW, IWp);
      dnnc_qconv2d_i16(xd, a[1], bias, cpu, &q);
      free(xd);
    }
    free(shift); free(bias);
  } else if (kind == 7) {
    /* conv3x3: Ci Co OH OW IWp lo hi | x w prm shift -> CPU dnnc_qconv2d_i16 (group 1), twice */
    const int32_t Ci = p[0], Co = p[1], OH = p[2], OW = p[3], IWp = p[4];
    int32_t *shift = (int32_t *)malloc((size_t)Co * 4);
    int64_t *bias = (int64_t *)malloc((size_t)Co * 8);
    int16_t *xd = (int16_t *)malloc((size_t)Ci * (OH + 2) * (OW + 2) * 2);
    dnnc_qconv2d_params q;
    int32_t c, r, x;
    for (i = 0; i < Co; i++) {
      const int16_t *pr = a[2] + 8 * i;
      const int64_t cc = (int64_t)(int32_t)(((uint32_t)(uint16_t)pr[1] << 16) | (uint16_t)pr[0]);
      shift[i] = a[3][i];
      bias[i] = cc - ((int64_t)1 << (shift[i] - 1));
    }
    for (c = 0; c < Ci; c++) for (r = 0; r < OH + 2; r++) for (x = 0; x < OW + 2; x++)
      xd[((size_t)c * (OH + 2) + r) * (OW + 2) + x] = a[0][((size_t)c * (OH + 2) + r) * IWp + x];
    memset(&q, 0, sizeof q);
    q.n = 1; q.cin = Ci; q.ih = OH + 2; q.iw = OW + 2; q.cout = Co; q.oh = OH; q.ow = OW; q.kh = q.kw = 3;
    q.sh = q.sw = q.dh = q.dw = 1; q.group = 1; q.shift = shift; q.act_min = p[5]; q.act_max = p[6];
    nout = (size_t)Co * OH * OW;
    ref = (int16_t *)malloc(nout * 2); cpu = (int16_t *)malloc(nout * 2);
    dnnc_qconv2d_i16_ref(xd, a[1], bias, ref, &q);
    dnnc_qconv2d_i16(xd, a[1], bias, cpu, &q);
    free(xd); free(shift); free(bias);
  } else if (kind == 2 || kind == 3) {
    /* add: n am bm s lo hi | a b prm ; mul: n s lo hi | a b prm */
    dnnc_qbinary_params q;
    size_t k;
    memset(&q, 0, sizeof q);
    nout = (size_t)p[0];
    ref = (int16_t *)malloc(nout * 2); cpu = (int16_t *)malloc(nout * 2);
    if (kind == 2) {
      q.a_mult = p[1]; q.b_mult = p[2]; q.shift = p[3]; q.lo = p[4]; q.hi = p[5];
      dnnc_rsp_add_ref(a[0], a[1], ref, nout, a[2]);
      for (k = 0; k < nout; k++) cpu[k] = dnnc_qadd_i16(a[0][k], a[1][k], &q);
    } else {
      q.shift = p[1]; q.lo = p[2]; q.hi = p[3];
      dnnc_rsp_mul_ref(a[0], a[1], ref, nout, a[2]);
      for (k = 0; k < nout; k++) cpu[k] = dnnc_qmul_i16(a[0][k], a[1][k], &q);
    }
  } else if (kind == 4) {
    size_t k;
    nout = (size_t)p[0];
    ref = (int16_t *)malloc(nout * 2); cpu = (int16_t *)malloc(nout * 2);
    dnnc_rsp_clamp_ref(a[0], ref, nout, p[1], p[2]);
    for (k = 0; k < nout; k++) cpu[k] = (int16_t)dnnc_clamp_i32(a[0][k], p[1], p[2]);
  } else if (kind == 5 || kind == 6) {
    /* rows ow OH | x */
    dnnc_pool2d_params q;
    memset(&q, 0, sizeof q);
    q.nc = p[0] / p[2]; q.ih = 2 * p[2]; q.iw = 2 * p[1]; q.oh = p[2]; q.ow = p[1];
    q.kh = q.kw = q.sh = q.sw = 2; q.dh = q.dw = 1;
    nout = (size_t)p[0] * p[1];
    ref = (int16_t *)malloc(nout * 2); cpu = (int16_t *)malloc(nout * 2);
    if (kind == 5) { dnnc_rsp_maxpool2_ref(a[0], ref, p[0], p[1]); dnnc_maxpool2d_i16(a[0], cpu, &q); }
    else { dnnc_rsp_avgpool2_ref(a[0], ref, p[0], p[1]); dnnc_avgpool2d_i16(a[0], cpu, &q, 0); }
  } else return 4;
  o = fopen(argv[2], "wb");
  if (!o) return 5;
  {
    const int32_t two = 2, n32 = (int32_t)nout;
    fwrite(&two, 4, 1, o);
    fwrite(&n32, 4, 1, o); fwrite(ref, 2, nout, o);
    fwrite(&n32, 4, 1, o); fwrite(cpu, 2, nout, o);
  }
  fclose(o);
  for (i = 0; i < na; i++) free(a[i]);
  free(ref); free(cpu);
  return 0;
}
