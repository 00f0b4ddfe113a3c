// Poseidon over the BN254 scalar field, natively, for the registrar's bulk hashing (leaves of
// an enrollment batch, tree nodes). Hand-written because a measurement showed the libraries
// too slow for national-scale enrollment: circomlibjs's WebAssembly Poseidon takes 124 us per
// leaf hash on this machine (its Montgomery multiplication about 75 ns, 32-bit limbs); 64-bit
// limbs with 128-bit products take 58 us (docs/national-scale.md).
//
// The algorithm is circomlib's "optimized" Poseidon (sparse matrices in the partial rounds,
// the form circomlibjs's poseidon_opt.js and its WebAssembly Poseidon compute); every constant,
// the modulus included, comes from JavaScript (src/crypto/native-poseidon.mjs), in Montgomery
// form, so this file holds arithmetic only. Results are checked against poseidon-lite in
// test/native-poseidon.test.ts.
#include <node_api.h>
#if !defined(__SIZEOF_INT128__) || !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
// Limbs are read straight from little-endian bytes and multiplied into 128 bits: elsewhere
// the install's build fails and the registrar uses WebAssembly.
#error "the native Poseidon needs a little-endian 64-bit target with 128-bit integers (gcc or clang)"
#endif
#include <stdint.h>
#include <string.h>

typedef uint64_t u64;
typedef unsigned __int128 u128;
typedef struct { u64 v[4]; } Fe;  // a field element, little-endian 64-bit limbs

#define ROUNDS_F 8
#define MAX_WIDTH 17

typedef struct {
  Fe p;        // the modulus
  Fe r2;       // 2^512 mod p: multiplying by it enters Montgomery form
  Fe one;      // 1 (not in Montgomery form): multiplying by it leaves Montgomery form
  u64 inv;     // -p^-1 mod 2^64
} Field;

static int geq(const Fe *a, const Fe *b) {
  for (int i = 3; i >= 0; i--) {
    if (a->v[i] != b->v[i]) return a->v[i] > b->v[i];
  }
  return 1;
}

static void sub_p(Fe *a, const Fe *p) {
  u128 borrow = 0;
  for (int i = 0; i < 4; i++) {
    u128 d = (u128)a->v[i] - p->v[i] - borrow;
    a->v[i] = (u64)d;
    borrow = (d >> 64) & 1;
  }
}

static void add(Fe *r, const Fe *a, const Fe *b, const Field *f) {
  u128 carry = 0;
  for (int i = 0; i < 4; i++) {
    carry += (u128)a->v[i] + b->v[i];
    r->v[i] = (u64)carry;
    carry >>= 64;
  }
  // p < 2^254: a sum of two reduced elements never carries out of 256 bits.
  if (geq(r, &f->p)) sub_p(r, &f->p);
}

// Montgomery multiplication r = a * b / 2^256 mod p (CIOS), for reduced a and b.
static void mul(Fe *r, const Fe *a, const Fe *b, const Field *f) {
  u64 t[6] = {0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 4; i++) {
    u128 c = 0;
    for (int j = 0; j < 4; j++) {
      c += (u128)a->v[j] * b->v[i] + t[j];
      t[j] = (u64)c;
      c >>= 64;
    }
    c += t[4];
    t[4] = (u64)c;
    t[5] = (u64)(c >> 64);
    u64 m = t[0] * f->inv;
    c = ((u128)m * f->p.v[0] + t[0]) >> 64;
    for (int j = 1; j < 4; j++) {
      c += (u128)m * f->p.v[j] + t[j];
      t[j - 1] = (u64)c;
      c >>= 64;
    }
    c += t[4];
    t[3] = (u64)c;
    t[4] = t[5] + (u64)(c >> 64);
  }
  Fe out = {{t[0], t[1], t[2], t[3]}};
  if (t[4] != 0 || geq(&out, &f->p)) sub_p(&out, &f->p);
  *r = out;
}

static void pow5(Fe *x, const Field *f) {
  Fe x2, x4;
  mul(&x2, x, x, f);
  mul(&x4, &x2, &x2, f);
  mul(x, &x4, x, f);
}

// Dot products are summed unreduced and reduced once (lazy reduction): p < 0.19 * 2^256, so a
// product of two reduced elements is below 2^512 / 27 and the sum of up to 17 (MAX_WIDTH)
// stays below 2^512. The matrix steps, most of the permutation's work, then take about half
// the multiplications: 46 -> 34 us per leaf (5 inputs), 77 -> 54 us per tree node (8 inputs).
typedef struct { u64 v[8]; } Wide;
_Static_assert(MAX_WIDTH <= 22, "a sum of MAX_WIDTH products (and the reduction's m * p) must stay below 2^512");

// t[i..i+3] += x * y[0..3] (times 2^(64 i)), the carry carried up to t[7].
static inline void mul_add_row(u64 *t, int i, u64 x, const Fe *y) {
  u128 c = 0;
  for (int j = 0; j < 4; j++) {
    c += (u128)x * y->v[j] + t[i + j];
    t[i + j] = (u64)c;
    c >>= 64;
  }
  for (int k = i + 4; k < 8 && c != 0; k++) {
    c += t[k];
    t[k] = (u64)c;
    c >>= 64;
  }
}

// acc += a * b, the whole 512-bit product.
static void mul_add_wide(Wide *acc, const Fe *a, const Fe *b) {
  for (int i = 0; i < 4; i++) mul_add_row(acc->v, i, b->v[i], a);
}

// r = acc / 2^256 mod p (Montgomery reduction). acc + m * p stays below 2^512, and the
// quotient below acc / 2^256 + p < 5p: a few subtractions reduce it.
static void reduce_wide(Fe *r, Wide *acc, const Field *f) {
  u64 *t = acc->v;
  for (int i = 0; i < 4; i++) mul_add_row(t, i, t[i] * f->inv, &f->p);
  Fe out = {{t[4], t[5], t[6], t[7]}};
  while (geq(&out, &f->p)) sub_p(&out, &f->p);
  *r = out;
}

// state <- state * matrix, matrix[j][i] at j * t + i (circomlibjs's M and P layout).
static void mix(Fe *state, const Fe *matrix, int t, const Field *f) {
  Fe next[MAX_WIDTH];
  for (int i = 0; i < t; i++) {
    Wide sum = {{0}};
    for (int j = 0; j < t; j++) mul_add_wide(&sum, &matrix[j * t + i], &state[j]);
    reduce_wide(&next[i], &sum, f);
  }
  memcpy(state, next, sizeof(Fe) * t);
}

static void full_round(Fe *state, const Fe *constants, const Fe *matrix, int t, const Field *f) {
  for (int i = 0; i < t; i++) {
    pow5(&state[i], f);
    if (constants != NULL) add(&state[i], &state[i], &constants[i], f);
  }
  mix(state, matrix, t, f);
}

typedef struct {
  int t, rounds_p;
  const Fe *c, *s, *m, *p;
} Params;

// The permutation of circomlib's Poseidon from state (Montgomery form); state[0] is the output.
static void permute(Fe *state, const Params *k, const Field *f) {
  const int t = k->t;
  for (int i = 0; i < t; i++) add(&state[i], &state[i], &k->c[i], f);
  for (int r = 0; r < ROUNDS_F / 2 - 1; r++) full_round(state, &k->c[(r + 1) * t], k->m, t, f);
  full_round(state, &k->c[(ROUNDS_F / 2) * t], k->p, t, f);
  for (int r = 0; r < k->rounds_p; r++) {
    const Fe *s = &k->s[(2 * t - 1) * r];
    Fe s0, term;
    Wide sum = {{0}};
    pow5(&state[0], f);
    add(&state[0], &state[0], &k->c[(ROUNDS_F / 2 + 1) * t + r], f);
    for (int j = 0; j < t; j++) mul_add_wide(&sum, &s[j], &state[j]);
    reduce_wide(&s0, &sum, f);
    for (int j = 1; j < t; j++) {
      mul(&term, &state[0], &s[t + j - 1], f);
      add(&state[j], &state[j], &term, f);
    }
    state[0] = s0;
  }
  for (int r = 0; r < ROUNDS_F / 2 - 1; r++) full_round(state, &k->c[(ROUNDS_F / 2 + 1) * t + k->rounds_p + r * t], k->m, t, f);
  full_round(state, NULL, k->m, t, f);
}

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, "native_poseidon", message);
  return NULL;
}

static int bytes_of(napi_env env, napi_value value, uint8_t **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, (void **)data, &buffer, &offset) != napi_ok) return 0;
  return type == napi_uint8_array;
}

// hashMany(params, t, roundsP, input, output): hashes each run of t - 1 field elements of
// `input` (32-byte little-endian, each below p) into `output` (32 bytes each).
// params: p, 2^512 mod p, then circomlibjs's C, S, M and P for width t in Montgomery form.
static napi_value hash_many(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  uint8_t *params, *input, *output;
  size_t params_length, input_length, output_length;
  int32_t t, rounds_p;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5) return fail(env, "hashMany takes 5 arguments");
  if (!bytes_of(env, argv[0], &params, &params_length) || !bytes_of(env, argv[3], &input, &input_length) || !bytes_of(env, argv[4], &output, &output_length)) return fail(env, "hashMany: params, input and output must be Uint8Arrays");
  if (napi_get_value_int32(env, argv[1], &t) != napi_ok || napi_get_value_int32(env, argv[2], &rounds_p) != napi_ok) return fail(env, "hashMany: width and partial rounds must be numbers");
  if (t < 2 || t > MAX_WIDTH || rounds_p < 1) return fail(env, "hashMany: width must be 2 to 17");
  const size_t c_count = (size_t)t * ROUNDS_F + rounds_p, s_count = (size_t)(2 * t - 1) * rounds_p, matrix = (size_t)t * t;
  if (params_length != sizeof(Fe) * (2 + c_count + s_count + 2 * matrix)) return fail(env, "hashMany: params have the wrong length for this width");
  const size_t arity = t - 1, count = input_length / (sizeof(Fe) * arity);
  if (input_length != count * arity * sizeof(Fe) || output_length != count * sizeof(Fe)) return fail(env, "hashMany: input must hold whole groups and output one element per group");

  Field f;
  memcpy(&f.p, params, sizeof(Fe));
  memcpy(&f.r2, params + sizeof(Fe), sizeof(Fe));
  f.one = (Fe){{1, 0, 0, 0}};
  // -p^-1 mod 2^64 by Newton's iteration (each step doubles the correct low bits).
  u64 inverse = 1;
  for (int i = 0; i < 7; i++) inverse *= 2 - f.p.v[0] * inverse;
  f.inv = (u64)0 - inverse;
  const Fe *constants = (const Fe *)(params + 2 * sizeof(Fe));
  Params k = {t, rounds_p, constants, constants + c_count, constants + c_count + s_count, constants + c_count + s_count + matrix};

  Fe state[MAX_WIDTH], element;
  for (size_t h = 0; h < count; h++) {
    memset(&state[0], 0, sizeof(Fe));  // circomlib's initial state
    for (size_t i = 0; i < arity; i++) {
      memcpy(&element, input + (h * arity + i) * sizeof(Fe), sizeof(Fe));
      if (geq(&element, &f.p)) return fail(env, "hashMany: an input is not below the field's modulus");
      mul(&state[i + 1], &element, &f.r2, &f);
    }
    permute(state, &k, &f);
    mul(&element, &state[0], &f.one, &f);
    memcpy(output + h * sizeof(Fe), &element, sizeof(Fe));
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "hashMany", NAPI_AUTO_LENGTH, hash_many, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "hashMany", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
