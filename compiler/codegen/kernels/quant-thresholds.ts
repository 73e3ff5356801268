// Integer-only QuantizeLinear for targets without an FPU: the float
// quantizer q(x) = clamp(rint(x / scale) + zp, lo, hi) of ONNX (as the C
// reference computes it in single precision) is a non-decreasing step
// function of x, so it is fully described by the 255 inputs where it steps
// up. Ordered as integers (the float's bits, negative values mirrored so
// that integer order is float order), those thresholds let the runtime find
// q(x) by a binary search on the bits of x -- no soft-float division,
// rounding or comparison per element, and bit-identical results.

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** float32 -> ordered int32 key (the C runtime computes the same) */
export function floatKey(x: number): number {
  f32[0] = x;
  const b = i32[0]!;
  return b >= 0 ? b : b ^ 0x7fffffff;
}

function keyFloat(k: number): number {
  i32[0] = k >= 0 ? k : k ^ 0x7fffffff;
  return f32[0]!;
}

function rintEven(v: number): number {
  if (!Number.isFinite(v)) return v;
  const f = Math.floor(v), d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** the C reference quantizer in single precision (x and scale float32) */
export function quantizeRef(x: number, scale: number, zp: number, lo: number, hi: number): number {
  const s = Math.fround(scale);
  const d = Math.fround(Math.fround(x) / s); // double division then rounding to float = the float division
  let v = Math.fround(rintEven(d) + Math.fround(zp));
  if (!(v >= lo)) v = lo;
  if (v > hi) v = hi;
  return v;
}

const KEY_MIN = floatKey(-Infinity), KEY_MAX = floatKey(Infinity);

/**
 * 256 int32 keys: t[k] = the smallest float key with q >= lo + 1 + k
 * (k = 0..254; INT32_MAX when never reached, -INT32_MAX when always), and
 * t[255] = INT32_MAX as the search's sentinel.
 */
export function quantThresholds(scale: number, zp: number, lo: number, hi: number): number[] {
  if (hi - lo !== 255) throw new Error('internal: threshold tables are for 8-bit outputs');
  const q = (k: number) => quantizeRef(keyFloat(k), scale, zp, lo, hi);
  const out: number[] = [];
  for (let level = lo + 1; level <= hi; level++) {
    if (q(KEY_MIN) >= level) { out.push(-2147483647); continue; } // below every non-NaN key
    if (q(KEY_MAX) < level) { out.push(2147483647); continue; }
    let a = KEY_MIN, b = KEY_MAX; // q(a) < level <= q(b)
    while (b - a > 1) {
      const m = Math.floor((a + b) / 2);
      if (q(m) >= level) b = m; else a = m;
    }
    out.push(b);
  }
  out.push(2147483647);
  return out;
}
