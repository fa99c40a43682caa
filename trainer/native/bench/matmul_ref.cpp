// Reference for `make bench`: the same f32 matmul through libtorch's C++ API, no binding in between.
// Prints GFLOP/s for an n x n x n product (median of `reps` timed runs after warm-up).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1024;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 10;
  if (argc > 3) at::set_num_threads(std::atoi(argv[3]));
  at::manual_seed(0);
  at::Tensor a = at::randn({n, n});
  at::Tensor b = at::randn({n, n});
  for (int i = 0; i < 3; ++i) at::mm(a, b);
  std::vector<double> secs;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    at::Tensor c = at::mm(a, b);
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(secs.begin(), secs.end());
  const double median = secs[secs.size() / 2];
  std::printf("%.3f\n", 2.0 * n * n * n / median / 1e9);
  return 0;
}
