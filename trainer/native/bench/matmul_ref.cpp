// Reference for `twa bench`: the same libtorch work the C# binding does, called from C++ with no
// binding in between, so the binding's cost can be read as a ratio/difference in ONE run.
//
//   twa_matmul_ref [n] [reps] [threads]
//       legacy mode: prints the median GFLOP/s of an n x n x n f32 at::mm (one number).
//   twa_matmul_ref --threads N [--n 1024] [--reps 10] [--warmup 3] [--calls 10000] [--samples 15]
//       prints `key value...` lines (all times are per-sample values, unsorted, for the caller to
//       aggregate):
//         torch_version, intraop_threads, blas_threads, blas_vendor
//         mm_seconds       at::mm into a fresh result (allocation + free inside the timing)
//         mm_out_seconds   at::mm_out into a preallocated result
//         add_ns           ns per at::add of two 1-element f32 tensors (result destroyed each call)
//         abi_add_ns       the same through the C ABI (twa_tensor_binary + twa_tensor_free)
//         abi_numel_ns     ns per twa_tensor_numel (a metadata getter through the C ABI)
//
// The thread count is applied to libtorch's intra-op pool AND to OpenBLAS' own pthread pool (the
// Debian build calls into openblas-pthread, which at::set_num_threads does not reach).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/version.h>


#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "twa_torch.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// OpenBLAS (pthread build) keeps its own thread pool: set and read through the shim (twa_set_blas_threads), which
// reaches it through the global symbol table. False / -1 when the BLAS in use is not OpenBLAS.
bool set_blas_threads(int n) {
  int32_t applied = -1;
  return twa_set_blas_threads(n, &applied) == TWA_OK && applied > 0;
}

int blas_threads() {
  int32_t n = -1;
  return twa_get_blas_threads(&n) == TWA_OK ? n : -1;
}

void print_series(const char* key, const std::vector<double>& values) {
  std::printf("%s", key);
  for (double v : values) std::printf(" %.9g", v);
  std::printf("\n");
}

void check(twa_status s, const char* what) {
  if (s != TWA_OK) {
    std::fprintf(stderr, "twa_matmul_ref: %s failed: %s\n", what, twa_last_error());
    std::exit(1);
  }
}

int legacy(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1024;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 10;
  if (argc > 3) {
    at::set_num_threads(std::atoi(argv[3]));
    set_blas_threads(std::atoi(argv[3]));
  }
  at::manual_seed(0);
  at::Tensor a = at::randn({n, n});
  at::Tensor b = at::randn({n, n});
  for (int i = 0; i < 3; ++i) at::mm(a, b);
  std::vector<double> secs;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    at::Tensor c = at::mm(a, b);
    secs.push_back(seconds_since(t0));
  }
  std::sort(secs.begin(), secs.end());
  std::printf("%.3f\n", 2.0 * n * n * n / secs[secs.size() / 2] / 1e9);
  return 0;
}

struct Options {
  int threads = 0;
  int64_t n = 1024;
  int reps = 10;
  int warmup = 3;
  int64_t calls = 10000;
  int samples = 15;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "twa_matmul_ref: %s needs a value\n", key.c_str());
      std::exit(2);
    }
    const char* value = argv[++i];
    if (key == "--threads") o.threads = std::atoi(value);
    else if (key == "--n") o.n = std::atoll(value);
    else if (key == "--reps") o.reps = std::atoi(value);
    else if (key == "--warmup") o.warmup = std::atoi(value);
    else if (key == "--calls") o.calls = std::atoll(value);
    else if (key == "--samples") o.samples = std::atoi(value);
    else {
      std::fprintf(stderr, "twa_matmul_ref: unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  if (o.n < 1 || o.reps < 1 || o.warmup < 0 || o.calls < 1 || o.samples < 1) {
    std::fprintf(stderr, "twa_matmul_ref: n, reps, calls and samples must be >= 1, warmup >= 0\n");
    std::exit(2);
  }
  return o;
}

void bench_matmul(const Options& o) {
  at::manual_seed(0);
  const at::Tensor a = at::randn({o.n, o.n});
  const at::Tensor b = at::randn({o.n, o.n});
  for (int i = 0; i < o.warmup; ++i) at::mm(a, b);
  std::vector<double> mm;
  for (int i = 0; i < o.reps; ++i) {
    auto t0 = Clock::now();
    {
      at::Tensor c = at::mm(a, b);  // freed inside the timing, as `using` does on the C# side
    }
    mm.push_back(seconds_since(t0));
  }
  print_series("mm_seconds", mm);

  at::Tensor out = at::empty({o.n, o.n});
  for (int i = 0; i < o.warmup; ++i) at::mm_out(out, a, b);
  std::vector<double> mm_out;
  for (int i = 0; i < o.reps; ++i) {
    auto t0 = Clock::now();
    at::mm_out(out, a, b);
    mm_out.push_back(seconds_since(t0));
  }
  print_series("mm_out_seconds", mm_out);
}

// Times `samples` batches of `calls` calls of f after `warmup_batches` untimed batches; ns per call.
template <typename F>
std::vector<double> per_call_ns(const Options& o, int warmup_batches, F&& f) {
  for (int w = 0; w < warmup_batches; ++w)
    for (int64_t i = 0; i < o.calls; ++i) f();
  std::vector<double> ns;
  for (int s = 0; s < o.samples; ++s) {
    auto t0 = Clock::now();
    for (int64_t i = 0; i < o.calls; ++i) f();
    ns.push_back(seconds_since(t0) * 1e9 / static_cast<double>(o.calls));
  }
  return ns;
}

void bench_tiny_ops(const Options& o) {
  const at::Tensor a = at::ones({1});
  const at::Tensor b = at::ones({1});
  const int warmup = std::max(1, o.warmup);
  print_series("add_ns", per_call_ns(o, warmup, [&] {
                 at::Tensor c = at::add(a, b, 1.0);
                 asm volatile("" : : "r"(c.unsafeGetTensorImpl()) : "memory");
               }));

  const int64_t shape[] = {1};
  twa_tensor ha = nullptr;
  twa_tensor hb = nullptr;
  check(twa_tensor_full(shape, 1, 1.0, TWA_DTYPE_F32, TWA_DEVICE_CPU, -1, &ha), "twa_tensor_full");
  check(twa_tensor_full(shape, 1, 1.0, TWA_DTYPE_F32, TWA_DEVICE_CPU, -1, &hb), "twa_tensor_full");
  print_series("abi_add_ns", per_call_ns(o, warmup, [&] {
                 twa_tensor c = nullptr;
                 check(twa_tensor_binary(ha, hb, TWA_BINARY_ADD, 1.0, &c), "twa_tensor_binary");
                 twa_tensor_free(c);
               }));
  print_series("abi_numel_ns", per_call_ns(o, warmup, [&] {
                 int64_t n = 0;
                 check(twa_tensor_numel(ha, &n), "twa_tensor_numel");
                 asm volatile("" : : "r"(n) : "memory");
               }));
  twa_tensor_free(ha);
  twa_tensor_free(hb);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strncmp(argv[1], "--", 2) != 0) return legacy(argc, argv);
  const Options o = parse(argc, argv);
  bool openblas = blas_threads() >= 0;
  if (o.threads > 0) {
    at::set_num_threads(o.threads);
    openblas = set_blas_threads(o.threads);
  }
  std::printf("torch_version %s\n", TORCH_VERSION);
  std::printf("intraop_threads %d\n", at::get_num_threads());
  std::printf("blas_threads %d\n", blas_threads());
  std::printf("blas_vendor %s\n", openblas ? "openblas" : "unknown");
  bench_matmul(o);
  bench_tiny_ops(o);
  return 0;
}
