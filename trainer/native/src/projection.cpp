// TWA projection kernels (twa_projection_gradient / twa_projection_reconstruct, see twa_torch.h): the centred
// basis is read straight from its packed codes (or f16 / f32 values) and dequantised in registers, so one pass
// reads each covered code once and creates no n x D temporary. Work items are column chunks of one segment,
// spread over libtorch's intra-op pool; per-chunk partial sums are reduced in chunk order (in double), so the
// result does not depend on the thread count. AVX-512 (bit-plane widths 1, 2, 4, 8) or AVX2+FMA+F16C is used when the
// CPU has it (twa_projection_set_isa can lower the choice per thread, for tests and benchmarks), plain C++ otherwise.
// Widths that divide 8 decode whole bytes into bit planes, also at a chunk's ragged ends (projection_planes.inc); the
// others (3, 5, 6, 7) go through a byte shuffle per 8 codes, and the same scalar code as the plain C++ path handles
// their chunks' unaligned heads and tails.
#include "common.h"
#include "projection_kernels.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

namespace {

using twa::InvalidArgument;

void require(bool ok, const std::string& message) {
  if (!ok) throw InvalidArgument(message);
}

void require_cpu_contiguous(const at::Tensor& t, const char* name) {
  require(t.device().is_cpu(), std::string("projection: ") + name + " must be a CPU tensor (the fused kernels are CPU only)");
  require(t.is_contiguous(), std::string("projection: ") + name + " must be contiguous");
}

void require_f32(const at::Tensor& t, const char* name, at::IntArrayRef shape) {
  require_cpu_contiguous(t, name);
  require(t.scalar_type() == at::kFloat, std::string("projection: ") + name + " must be float32");
  require(t.sizes() == shape, std::string("projection: ") + name + " has shape " + c10::str(t.sizes()) + ", expected " +
                                  c10::str(shape));
}

// The kernels' instruction set (TWA_ISA_*): the best this CPU has unless twa_projection_set_isa lowered it.
int best_isa() {
#if TWA_X86
  return cpu_has_avx512() ? TWA_ISA_AVX512 : cpu_has_avx2() ? TWA_ISA_AVX2 : TWA_ISA_SCALAR;
#else
  return TWA_ISA_SCALAR;
#endif
}

// Per calling thread (the kernels read it once per call, before they fan out), else the process's default; -1 = the
// best available.
thread_local int t_isa_request = -1;
std::atomic<int> g_isa_default{-1};

int current_isa() {
  const int request = t_isa_request >= 0 ? t_isa_request : g_isa_default.load(std::memory_order_relaxed);
  return request < 0 ? best_isa() : std::min(request, best_isa());
}

void require_available(int32_t isa) {
  require(isa >= -1 && isa <= best_isa(), "projection: instruction set " + std::to_string(isa) +
                                              " is not available on this CPU (best: " + std::to_string(best_isa()) +
                                              "; -1 selects the best)");
}

bool is_plane_width(const Basis& b) {
  return b.format == Format::Packed && (b.bits == 1 || b.bits == 2 || b.bits == 4 || b.bits == 8);
}

// Validates the basis description and turns the segments into column chunks.
struct Problem {
  Basis basis{};
  int64_t full_tiles = 0;      // Packed: whole tiles of kChunk columns, stored tile-major
  int64_t tile_bytes = 0;      // Packed: bytes of one row of a whole tile
  int64_t tail_row_bytes = 0;  // Packed: bytes per row after the whole tiles (partial tile and padding)
  int64_t blocks = 0;
  const float* scale = nullptr;  // [rows, blocks], Packed only
  const float* low = nullptr;
  std::vector<Chunk> chunks;
};

Problem describe(const at::Tensor& basis, int32_t bits, int64_t columns, twa_tensor scale, twa_tensor low,
                 const at::Tensor& segments, int64_t blocks) {
  Problem p;
  Basis& b = p.basis;
  require_cpu_contiguous(basis, "basis");
  require(basis.dim() == 2, "projection: basis must be 2-D [n, row width], got " + c10::str(basis.sizes()));
  require(columns >= 0, "projection: columns must be >= 0");
  require(blocks >= 1, "projection: blocks must be >= 1");
  b.rows = basis.size(0);
  b.columns = columns;
  b.row_stride = basis.size(1);
  b.bits = bits;
  if (bits == 32 || bits == 16) {
    b.format = bits == 32 ? Format::Float : Format::Half;
    require(basis.scalar_type() == (bits == 32 ? at::kFloat : at::kHalf),
            "projection: a " + std::to_string(bits) + "-bit basis must be " + (bits == 32 ? "float32" : "float16"));
    require(basis.size(1) == columns, "projection: basis has " + std::to_string(basis.size(1)) + " columns, expected " +
                                          std::to_string(columns));
    if (bits == 32) b.f32 = basis.data_ptr<float>(); else b.half = basis.data_ptr<at::Half>();
    b.vector_end = columns;
  } else {
    require(bits >= 1 && bits <= 8, "projection: bits must be 1..8 (packed), 16 or 32, got " + std::to_string(bits));
    b.format = Format::Packed;
    require(basis.scalar_type() == at::kByte, "projection: a packed basis must be uint8");
    const int64_t need = (columns * bits + 7) / 8;
    require(basis.size(1) >= need, "projection: packed rows have " + std::to_string(basis.size(1)) + " bytes, " +
                                       std::to_string(columns) + " columns at " + std::to_string(bits) +
                                       " bits need " + std::to_string(need));
    require(scale != nullptr && low != nullptr, "projection: a packed basis needs scale and low");
    require_f32(twa::T(scale), "scale", {b.rows, blocks});
    require_f32(twa::T(low), "low", {b.rows, blocks});
    p.scale = twa::T(scale).data_ptr<float>();
    p.low = twa::T(low).data_ptr<float>();
    b.codes = basis.data_ptr<uint8_t>();
    p.full_tiles = columns / kChunk;
    p.tile_bytes = kChunk * bits / 8;
    p.tail_row_bytes = b.row_stride - p.full_tiles * p.tile_bytes;
  }
  p.blocks = blocks;
  require_cpu_contiguous(segments, "segments");
  require(segments.scalar_type() == at::kLong && segments.dim() == 2 && segments.size(1) == 3,
          "projection: segments must be int64 [S, 3] rows of (block, first column, length), got " +
              c10::str(segments.sizes()));
  const int64_t* s = segments.data_ptr<int64_t>();
  int64_t previous_end = 0;
  for (int64_t k = 0; k < segments.size(0); ++k) {
    const int64_t block = s[3 * k], start = s[3 * k + 1], length = s[3 * k + 2];
    const std::string where = "projection: segment " + std::to_string(k) + " (block " + std::to_string(block) +
                              ", start " + std::to_string(start) + ", length " + std::to_string(length) + ")";
    require(block >= 0 && block < blocks, where + ": block outside [0, " + std::to_string(blocks) + ")");
    require(length >= 0 && start >= previous_end && start + length <= columns,
            where + ": segments must be in increasing column order, not overlap, and lie in [0, " +
                std::to_string(columns) + ")");
    previous_end = start + length;
    for (int64_t c = start; c < start + length;) {
      const int64_t end = std::min(start + length, (c / kChunk + 1) * kChunk);
      p.chunks.push_back(Chunk{block, c, end - c});
      c = end;
    }
  }
  return p;
}

// The basis as one chunk's kernel sees it, and the chunk in that view's columns: a packed chunk lies in one tile
// (chunks never cross a multiple of kChunk), so its view is that tile, a row-major [n, tile row bytes] block whose
// column 0 is the tile's first column (`offset` in the whole basis). Float and half bases are viewed whole.
struct View {
  Basis basis;
  Chunk chunk;
  int64_t offset;
};

View view_of(const Problem& p, const Chunk& c) {
  View v{p.basis, c, 0};
  if (p.basis.format != Format::Packed) return v;
  Basis& b = v.basis;
  const int64_t tile = c.start / kChunk;
  v.offset = tile * kChunk;
  v.chunk.start = c.start - v.offset;
  if (tile < p.full_tiles) {
    b.codes = p.basis.codes + tile * p.basis.rows * p.tile_bytes;
    b.row_stride = p.tile_bytes;
    b.columns = kChunk;
  } else {
    b.codes = p.basis.codes + p.full_tiles * p.basis.rows * p.tile_bytes;
    b.row_stride = p.tail_row_bytes;
    b.columns = p.basis.columns - v.offset;
  }
  // A group at column j (j % 8 == 0) loads 8 bytes from (j/8)*bits: allowed while that stays in the tile's row.
  b.vector_end = b.row_stride >= 8 ? ((b.row_stride - 8) / b.bits + 1) * 8 : 0;
  return v;
}

// Per-chunk fixed cost in columns (each row's horizontal sum, the scalar head and tail): a chunk of a 16-column BN
// vector is not free.
constexpr int64_t kChunkOverheadColumns = 64;

// Runs body over every chunk on libtorch's intra-op threads, each thread taking one contiguous run of chunks of about
// equal work (columns + overhead). at::parallel_for alone would hand each thread an equal COUNT of chunks: on
// ResNet-20 (190 chunks, most of the small ones first) that gave one of 2 threads 1.2x the mean work.
template <class Body>
void for_each_chunk(const Problem& p, Body body) {
  const int64_t count = static_cast<int64_t>(p.chunks.size());
  if (count == 0) return;
  const int64_t parts = std::min<int64_t>(std::max(1, at::get_num_threads()), count);
  std::vector<int64_t> bounds(parts + 1, count);
  bounds[0] = 0;
  int64_t total = 0;
  for (const Chunk& c : p.chunks) total += c.length + kChunkOverheadColumns;
  int64_t done = 0, part = 1;
  for (int64_t c = 0; c < count && part < parts; ++c) {
    done += p.chunks[c].length + kChunkOverheadColumns;
    while (part < parts && done * parts >= total * part) bounds[part++] = c + 1;
  }
  at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t)
      for (int64_t c = bounds[t]; c < bounds[t + 1]; ++c) body(c, p.chunks[c]);
  });
}

void gradient(const Problem& p, const float* g, float* grad_x) {
  const Basis& b = p.basis;
  const int64_t n = b.rows, width = n + 1;
  std::vector<double> partial(p.chunks.size() * width);
#if TWA_X86
  const int isa = current_isa();
  const bool avx512 = isa >= TWA_ISA_AVX512 && is_plane_width(b), simd = isa >= TWA_ISA_AVX2;
  const PackedTables tables = make_tables(b.format == Format::Packed ? b.bits : 8);
#endif
  for_each_chunk(p, [&](int64_t index, const Chunk& whole) {
    double* out = partial.data() + index * width;
    const View v = view_of(p, whole);
    const Basis& b = v.basis;
    const Chunk& c = v.chunk;
    const float* gc = g + v.offset;
#if TWA_X86
    if (avx512) {
      switch (b.bits) {
        case 1: avx512::gradient_chunk_planes<1>(b, gc, c, out); return;
        case 2: avx512::gradient_chunk_planes<2>(b, gc, c, out); return;
        case 4: avx512::gradient_chunk_planes<4>(b, gc, c, out); return;
        default: avx512::gradient_chunk_planes<8>(b, gc, c, out); return;
      }
    }
    if (simd) {
      const Decoder d = make_decoder(tables);
      switch (b.format) {
        case Format::Float: gradient_chunk_avx2<Format::Float>(b, d, gc, c, out); return;
        case Format::Half: gradient_chunk_avx2<Format::Half>(b, d, gc, c, out); return;
        case Format::Packed:
          switch (b.bits) {
            case 1: avx2::gradient_chunk_planes<1>(b, gc, c, out); return;
            case 2: avx2::gradient_chunk_planes<2>(b, gc, c, out); return;
            case 4: avx2::gradient_chunk_planes<4>(b, gc, c, out); return;
            case 8: avx2::gradient_chunk_planes<8>(b, gc, c, out); return;
            default: gradient_chunk_avx2<Format::Packed>(b, d, gc, c, out); return;
          }
      }
    }
#endif
    gradient_chunk_scalar(b, gc, c, out);
  });
  // Reduce in chunk order: deterministic whatever the thread count.
  std::vector<double> sums(n * p.blocks, 0.0), gsums(p.blocks, 0.0);
  for (size_t index = 0; index < p.chunks.size(); ++index) {
    const int64_t block = p.chunks[index].block;
    const double* part = partial.data() + index * width;
    for (int64_t i = 0; i < n; ++i) sums[i * p.blocks + block] += part[i];
    gsums[block] += part[n];
  }
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t l = 0; l < p.blocks; ++l) {
      const int64_t k = i * p.blocks + l;
      // P = q*scale + low, so Σ P g = scale*Σ q g + low*Σ g.
      grad_x[k] = static_cast<float>(b.format == Format::Packed ? p.scale[k] * sums[k] + p.low[k] * gsums[l] : sums[k]);
    }
  }
}

void reconstruct(const Problem& p, const float* center, const float* x, float* w) {
  const Basis& b = p.basis;
  const int64_t n = b.rows;
#if TWA_X86
  const int isa = current_isa();
  const bool avx512 = isa >= TWA_ISA_AVX512 && is_plane_width(b), simd = isa >= TWA_ISA_AVX2;
  const PackedTables tables = make_tables(b.format == Format::Packed ? b.bits : 8);
#endif
  for_each_chunk(p, [&](int64_t, const Chunk& whole) {
    const View v = view_of(p, whole);
    const Basis& b = v.basis;
    const Chunk& c = v.chunk;
    const float* cc = center + v.offset;
    float* wc = w + v.offset;
    // P = q*scale + low, so Σ_i P x_i = Σ_i q (scale x_i) + Σ_i low x_i.
    std::vector<float> a(n);
    double constant = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = i * p.blocks + c.block;
      if (b.format == Format::Packed) {
        a[i] = p.scale[k] * x[k];
        constant += static_cast<double>(p.low[k]) * x[k];
      } else {
        a[i] = x[k];
      }
    }
    const float k = static_cast<float>(constant);
#if TWA_X86
    if (avx512) {
      switch (b.bits) {
        case 1: avx512::reconstruct_chunk_planes<1>(b, a.data(), k, cc, c, wc); return;
        case 2: avx512::reconstruct_chunk_planes<2>(b, a.data(), k, cc, c, wc); return;
        case 4: avx512::reconstruct_chunk_planes<4>(b, a.data(), k, cc, c, wc); return;
        default: avx512::reconstruct_chunk_planes<8>(b, a.data(), k, cc, c, wc); return;
      }
    }
    if (simd) {
      const Decoder d = make_decoder(tables);
      switch (b.format) {
        case Format::Float: reconstruct_chunk_avx2<Format::Float>(b, d, a.data(), k, cc, c, wc); return;
        case Format::Half: reconstruct_chunk_avx2<Format::Half>(b, d, a.data(), k, cc, c, wc); return;
        case Format::Packed:
          switch (b.bits) {
            case 1: avx2::reconstruct_chunk_planes<1>(b, a.data(), k, cc, c, wc); return;
            case 2: avx2::reconstruct_chunk_planes<2>(b, a.data(), k, cc, c, wc); return;
            case 4: avx2::reconstruct_chunk_planes<4>(b, a.data(), k, cc, c, wc); return;
            case 8: avx2::reconstruct_chunk_planes<8>(b, a.data(), k, cc, c, wc); return;
            default: reconstruct_chunk_avx2<Format::Packed>(b, d, a.data(), k, cc, c, wc); return;
          }
      }
    }
#endif
    reconstruct_chunk_scalar(b, a.data(), k, cc, c, wc);
  });
}

}  // namespace

extern "C" {

twa_status twa_projection_gradient(twa_tensor basis, int32_t bits, int64_t columns, twa_tensor scale, twa_tensor low,
                                   twa_tensor segments, twa_tensor g, twa_tensor grad_x) noexcept {
  TWA_GUARD(
      auto& gx = twa::T(grad_x);
      require(gx.dim() == 2, "projection: grad_x must be 2-D [n, L], got " + c10::str(gx.sizes()));
      const Problem p = describe(twa::T(basis), bits, columns, scale, low, twa::T(segments), gx.size(1));
      require_f32(gx, "grad_x", {p.basis.rows, p.blocks});
      require_f32(twa::T(g), "g", {columns});
      gradient(p, twa::T(g).data_ptr<float>(), gx.data_ptr<float>()));
}

twa_status twa_projection_reconstruct(twa_tensor basis, int32_t bits, int64_t columns, twa_tensor scale, twa_tensor low,
                                      twa_tensor segments, twa_tensor center, twa_tensor x, twa_tensor out) noexcept {
  TWA_GUARD(
      auto& xt = twa::T(x);
      require(xt.dim() == 2, "projection: x must be 2-D [n, L], got " + c10::str(xt.sizes()));
      const Problem p = describe(twa::T(basis), bits, columns, scale, low, twa::T(segments), xt.size(1));
      require_f32(xt, "x", {p.basis.rows, p.blocks});
      require_f32(twa::T(center), "center", {columns});
      require_f32(twa::T(out), "out", {columns});
      reconstruct(p, twa::T(center).data_ptr<float>(), xt.data_ptr<float>(), twa::T(out).data_ptr<float>()));
}

twa_status twa_projection_isa(int32_t* current, int32_t* best) noexcept {
  TWA_GUARD(
      require(current != nullptr && best != nullptr, "projection: current and best must not be null");
      *current = current_isa();
      *best = best_isa());
}

twa_status twa_projection_set_isa(int32_t isa) noexcept { TWA_GUARD(require_available(isa); t_isa_request = isa); }

twa_status twa_projection_set_process_isa(int32_t isa) noexcept {
  TWA_GUARD(require_available(isa); g_isa_default.store(isa, std::memory_order_relaxed));
}

}  // extern "C"
