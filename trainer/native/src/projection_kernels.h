// Internal to projection.cpp (not part of the ABI): the basis description and the per-chunk kernels of the TWA
// projection - AVX2+FMA+F16C versions (bit planes for 1/2/4/8 bits, also in AVX-512, see projection_planes.inc; a byte
// shuffle per 8 codes for 3/5/6/7 bits; f16/f32 loads for 16/32 bits) and the plain C++ versions. Each kernel handles
// one chunk: columns of one segment.
#pragma once

#include "common.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TWA_X86 1
#endif

namespace {

// Columns per work item and per tile of a packed basis (twa_torch.h): a multiple of 8 (so chunk starts are vector
// aligned) and small enough that the slice of g a chunk reads stays in L1 while every row streams over it.
constexpr int64_t kChunk = TWA_PROJECTION_TILE_COLUMNS;
static_assert(kChunk % 64 == 0, "a tile must hold whole bytes and whole vector groups at every width");

// Software prefetch distance of the coefficient-gradient pass, in bytes of the tile stream (measured on the 2-core
// dev VM, 4-bit ResNet-20 basis with cold caches: ~10 % faster than the hardware prefetcher alone).
constexpr int64_t kPrefetchBytes = 2048;

enum class Format { Packed, Half, Float };

struct Basis {
  Format format;
  int bits;            // 1..8 for Packed
  int64_t rows;
  int64_t columns;
  int64_t row_stride;  // bytes per row (Packed: per row of one tile) or elements per row
  const uint8_t* codes;
  const at::Half* half;
  const float* f32;
  int64_t vector_end;  // exclusive bound on the aligned group starts the vector path may load (Packed: 8-byte loads)
};

struct Chunk {
  int64_t block;
  int64_t start;
  int64_t length;
};

inline float scalar_at(const Basis& b, int64_t i, int64_t j) {
  switch (b.format) {
    case Format::Float:
      return b.f32[i * b.row_stride + j];
    case Format::Half:
      return static_cast<float>(b.half[i * b.row_stride + j]);
    case Format::Packed:
    default: {
      const uint8_t* row = b.codes + i * b.row_stride;
      const int64_t bit = j * b.bits;
      const int64_t byte = bit >> 3;
      const int shift = static_cast<int>(bit & 7);
      uint32_t v = row[byte];
      if (shift + b.bits > 8) v |= static_cast<uint32_t>(row[byte + 1]) << 8;
      return static_cast<float>((v >> shift) & ((1u << b.bits) - 1u));
    }
  }
}

// w[j] = center[j] + constant + Σ_i P[i, j]·a[i] for one column (the scalar path, heads and tails of chunks).
inline void reconstruct_column(const Basis& b, const float* a, float constant, const float* center, int64_t j, float* w) {
  float s = 0;
  for (int64_t i = 0; i < b.rows; ++i) s += scalar_at(b, i, j) * a[i];
  w[j] = center[j] + constant + s;
}

#if TWA_X86
bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  return has;
}

// Shuffle/shift/mask that turn 8 little-endian packed codes (bits each, starting at a byte boundary) broadcast
// into every 64-bit lane into 8 int32 lanes: lane k takes bytes (k*bits/8, +1) and shifts by (k*bits)%8.
struct PackedTables {
  alignas(32) int8_t shuffle[32];
  alignas(32) int32_t shifts[8];
  int32_t mask;
};

PackedTables make_tables(int bits) {
  PackedTables t{};
  for (int k = 0; k < 8; ++k) {
    const int bit = k * bits;
    const int half = k / 4, lane = k % 4;
    int8_t* s = t.shuffle + half * 16 + lane * 4;
    s[0] = static_cast<int8_t>(bit >> 3);
    s[1] = static_cast<int8_t>((bit >> 3) + 1);  // at most 8: the broadcast copy, masked away when unused
    s[2] = s[3] = static_cast<int8_t>(0x80);
    t.shifts[k] = bit & 7;
  }
  t.mask = (1 << bits) - 1;
  return t;
}

struct Decoder {
  __m256i shuffle, shifts, mask;
};

__attribute__((target("avx2,fma,f16c"))) inline Decoder make_decoder(const PackedTables& t) {
  return Decoder{_mm256_load_si256(reinterpret_cast<const __m256i*>(t.shuffle)),
                 _mm256_load_si256(reinterpret_cast<const __m256i*>(t.shifts)), _mm256_set1_epi32(t.mask)};
}

// 8 consecutive entries of row i from column j (j % 8 == 0) as floats.
template <Format F>
__attribute__((target("avx2,fma,f16c"))) inline __m256 load8(const Basis& b, const Decoder& d, int64_t i, int64_t j) {
  if constexpr (F == Format::Float) {
    return _mm256_loadu_ps(b.f32 + i * b.row_stride + j);
  } else if constexpr (F == Format::Half) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.half + i * b.row_stride + j)));
  } else {
    int64_t word;
    std::memcpy(&word, b.codes + i * b.row_stride + (j >> 3) * b.bits, sizeof(word));
    const __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi64x(word), d.shuffle);
    return _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srlv_epi32(v, d.shifts), d.mask));
  }
}

__attribute__((target("avx2,fma,f16c"))) inline double hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return static_cast<double>(_mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1))));
}

// The aligned vector range [va, vb) of a chunk [j0, j1): groups of 8 whose loads stay inside the basis.
inline void vector_range(const Basis& b, int64_t j0, int64_t j1, int64_t& va, int64_t& vb) {
  va = std::min(j1, (j0 + 7) & ~int64_t{7});
  vb = std::min(j1 & ~int64_t{7}, b.vector_end);
  if (vb < va) vb = va;
}

// out[i] = Σ_{j in chunk} P[i, j]·g[j] for every row, out[rows] = Σ g (all in double).
template <Format F>
__attribute__((target("avx2,fma,f16c"))) void gradient_chunk_avx2(const Basis& b, const Decoder& d, const float* g,
                                                                   const Chunk& c, double* out) {
  const int64_t j0 = c.start, j1 = c.start + c.length;
  int64_t va, vb;
  vector_range(b, j0, j1, va, vb);
  double gs = 0;
  for (int64_t j = j0; j < va; ++j) gs += g[j];
  {
    __m256 acc = _mm256_setzero_ps();
    for (int64_t j = va; j < vb; j += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(g + j));
    gs += hsum(acc);
  }
  for (int64_t j = vb; j < j1; ++j) gs += g[j];
  out[b.rows] = gs;
  for (int64_t i = 0; i < b.rows; ++i) {
    double s = 0;
    for (int64_t j = j0; j < va; ++j) s += static_cast<double>(scalar_at(b, i, j)) * g[j];
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    int64_t j = va;
    for (; j + 32 <= vb; j += 32) {
      a0 = _mm256_fmadd_ps(load8<F>(b, d, i, j), _mm256_loadu_ps(g + j), a0);
      a1 = _mm256_fmadd_ps(load8<F>(b, d, i, j + 8), _mm256_loadu_ps(g + j + 8), a1);
      a2 = _mm256_fmadd_ps(load8<F>(b, d, i, j + 16), _mm256_loadu_ps(g + j + 16), a2);
      a3 = _mm256_fmadd_ps(load8<F>(b, d, i, j + 24), _mm256_loadu_ps(g + j + 24), a3);
    }
    for (; j < vb; j += 8) a0 = _mm256_fmadd_ps(load8<F>(b, d, i, j), _mm256_loadu_ps(g + j), a0);
    s += hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (j = vb; j < j1; ++j) s += static_cast<double>(scalar_at(b, i, j)) * g[j];
    out[i] = s;
  }
}

// w[j] = center[j] + constant + Σ_i P[i, j]·a[i] over the chunk.
template <Format F>
__attribute__((target("avx2,fma,f16c"))) void reconstruct_chunk_avx2(const Basis& b, const Decoder& d, const float* a,
                                                                      float constant, const float* center,
                                                                      const Chunk& c, float* w) {
  const int64_t j0 = c.start, j1 = c.start + c.length;
  int64_t va, vb;
  vector_range(b, j0, j1, va, vb);
  auto scalar = [&](int64_t j) { reconstruct_column(b, a, constant, center, j, w); };
  for (int64_t j = j0; j < va; ++j) scalar(j);
  const __m256 k = _mm256_set1_ps(constant);
  int64_t j = va;
  for (; j + 32 <= vb; j += 32) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    for (int64_t i = 0; i < b.rows; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      s0 = _mm256_fmadd_ps(load8<F>(b, d, i, j), ai, s0);
      s1 = _mm256_fmadd_ps(load8<F>(b, d, i, j + 8), ai, s1);
      s2 = _mm256_fmadd_ps(load8<F>(b, d, i, j + 16), ai, s2);
      s3 = _mm256_fmadd_ps(load8<F>(b, d, i, j + 24), ai, s3);
    }
    _mm256_storeu_ps(w + j, _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(center + j), k), s0));
    _mm256_storeu_ps(w + j + 8, _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(center + j + 8), k), s1));
    _mm256_storeu_ps(w + j + 16, _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(center + j + 16), k), s2));
    _mm256_storeu_ps(w + j + 24, _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(center + j + 24), k), s3));
  }
  for (; j < vb; j += 8) {
    __m256 s0 = _mm256_setzero_ps();
    for (int64_t i = 0; i < b.rows; ++i) s0 = _mm256_fmadd_ps(load8<F>(b, d, i, j), _mm256_broadcast_ss(a + i), s0);
    _mm256_storeu_ps(w + j, _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(center + j), k), s0));
  }
  for (j = vb; j < j1; ++j) scalar(j);
}

// ---- Bit-plane kernels (1, 2, 4, 8 bits): projection_planes.inc, stamped once per instruction set ------------------
// Each copy is compiled under its own `#pragma GCC target`, so the AVX2 copy holds no AVX-512 instruction and runs on
// any AVX2 CPU; projection.cpp picks one per call (current_isa).

bool cpu_has_avx512() {
  static const bool has = cpu_has_avx2() && __builtin_cpu_supports("avx512f");
  return has;
}

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
namespace avx2 {
// 8 int32 / f32 lanes; a group is 8 bytes.
struct V {
  static constexpr int W = 8;
  using F = __m256;
  using I = __m256i;
  static F zero() { return _mm256_setzero_ps(); }
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F set1(float x) { return _mm256_set1_ps(x); }
  static I widen(const uint8_t* p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))); }
  static I srli(I v, int shift) { return _mm256_srli_epi32(v, shift); }
  static I and_mask(I v, int mask) { return _mm256_and_si256(v, _mm256_set1_epi32(mask)); }
  static F cvt(I v) { return _mm256_cvtepi32_ps(v); }
  static double hsum(F v) { return ::hsum(v); }
  // g[0..16) -> out: the 8 even columns, then the 8 odd ones (two shuffles and two lane permutes).
  static void deinterleave2(const float* g, float* out) {
    const __m256 a = _mm256_loadu_ps(g), c = _mm256_loadu_ps(g + 8);
    const __m256d even = _mm256_castps_pd(_mm256_shuffle_ps(a, c, 0x88));  // a0 a2 c0 c2 | a4 a6 c4 c6
    const __m256d odd = _mm256_castps_pd(_mm256_shuffle_ps(a, c, 0xDD));   // a1 a3 c1 c3 | a5 a7 c5 c7
    _mm256_storeu_ps(out, _mm256_castpd_ps(_mm256_permute4x64_pd(even, 0xD8)));
    _mm256_storeu_ps(out + 8, _mm256_castpd_ps(_mm256_permute4x64_pd(odd, 0xD8)));
  }
  // Planes of columns 2m and 2m+1 -> columns 0-7 and 8-15 in order.
  static void interleave2(F p0, F p1, F& first, F& second) {
    const __m256 lo = _mm256_unpacklo_ps(p0, p1);  // columns 0-3 | 8-11
    const __m256 hi = _mm256_unpackhi_ps(p0, p1);  // columns 4-7 | 12-15
    first = _mm256_permute2f128_ps(lo, hi, 0x20);
    second = _mm256_permute2f128_ps(lo, hi, 0x31);
  }
};
#include "projection_planes.inc"
}  // namespace avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma,f16c")
namespace avx512 {
// 16 int32 / f32 lanes; a group is 16 bytes. GCC 12's plain forms of some of these intrinsics take an uninitialised
// merge source and warn (GCC bug 105593); the zero-masked forms with a full mask are the same instructions.
struct V {
  static constexpr int W = 16;
  using F = __m512;
  using I = __m512i;
  static F zero() { return _mm512_setzero_ps(); }
  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F set1(float x) { return _mm512_set1_ps(x); }
  static I widen(const uint8_t* p) {
    return _mm512_maskz_cvtepu8_epi32(0xFFFF, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static I srli(I v, int shift) { return _mm512_maskz_srli_epi32(0xFFFF, v, static_cast<unsigned>(shift)); }
  static I and_mask(I v, int mask) { return _mm512_and_si512(v, _mm512_set1_epi32(mask)); }
  static F cvt(I v) { return _mm512_maskz_cvtepi32_ps(0xFFFF, v); }
  static double hsum(F v) {
    const __m256 lo = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(v), 0));
    const __m256 hi = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(v), 1));
    return ::hsum(_mm256_add_ps(lo, hi));
  }
  // g[0..32) -> out: the 16 even columns, then the 16 odd ones (one two-source permute each).
  static void deinterleave2(const float* g, float* out) {
    const __m512 lo = _mm512_loadu_ps(g), hi = _mm512_loadu_ps(g + 16);
    _mm512_storeu_ps(out, _mm512_permutex2var_ps(lo, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), hi));
    _mm512_storeu_ps(out + 16, _mm512_permutex2var_ps(lo, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), hi));
  }
  // Planes of columns 2m and 2m+1 -> columns 0-15 and 16-31 in order.
  static void interleave2(F p0, F p1, F& first, F& second) {
    first = _mm512_permutex2var_ps(p0, _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23), p1);
    second = _mm512_permutex2var_ps(p0, _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), p1);
  }
};
#include "projection_planes.inc"
}  // namespace avx512
#pragma GCC pop_options
#endif

void gradient_chunk_scalar(const Basis& b, const float* g, const Chunk& c, double* out) {
  const int64_t j1 = c.start + c.length;
  double gs = 0;
  for (int64_t j = c.start; j < j1; ++j) gs += g[j];
  out[b.rows] = gs;
  for (int64_t i = 0; i < b.rows; ++i) {
    double s = 0;
    for (int64_t j = c.start; j < j1; ++j) s += static_cast<double>(scalar_at(b, i, j)) * g[j];
    out[i] = s;
  }
}

void reconstruct_chunk_scalar(const Basis& b, const float* a, float constant, const float* center, const Chunk& c,
                              float* w) {
  const int64_t j1 = c.start + c.length;
  for (int64_t j = c.start; j < j1; ++j) reconstruct_column(b, a, constant, center, j, w);
}

}  // namespace
