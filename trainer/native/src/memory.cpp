// Device memory of this process (twa_device_memory) and the probe that checks the shim's own at::parallel_for
// really runs on several threads (twa_parallel_probe).
#include "common.h"

#include <ATen/Parallel.h>

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#ifdef TWA_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_runtime_api.h>
#endif

namespace {

using twa::InvalidArgument;

// The first number in `path`, or -1 when the file is missing or holds no number (cgroup v2 writes "max").
int64_t read_number(const char* path) {
  std::ifstream in(path);
  long long v = -1;
  if (!(in >> v)) return -1;
  return v;
}

int64_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  long long size = 0, resident = 0;
  if (!(in >> size >> resident)) return -1;
  return resident * sysconf(_SC_PAGESIZE);
}

// Memory this process may use: physical memory, or the cgroup's limit when it is lower (a pod's memory limit).
int64_t limit_bytes() {
  const int64_t physical = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  int64_t limit = physical;
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const int64_t v = read_number(path);
    if (v > 0) limit = std::min(limit, v);
  }
  return limit;
}

}  // namespace

extern "C" {

twa_status twa_device_memory(int32_t device_type, int32_t device_index, int64_t* allocated, int64_t* reserved,
                             int64_t* total) noexcept {
  TWA_GUARD(
      twa::out_check(allocated); twa::out_check(reserved); twa::out_check(total);
      if (device_type == TWA_DEVICE_CPU) {
        // Host memory: bytes handed out by malloc (libtorch's CPU allocator is malloc-backed), the resident set, and
        // what the process may use.
        const struct mallinfo2 m = mallinfo2();
        *allocated = static_cast<int64_t>(m.uordblks + m.hblkhd);
        *reserved = resident_bytes();
        *total = limit_bytes();
      } else if (device_type == TWA_DEVICE_CUDA) {
#ifdef TWA_WITH_CUDA
        const c10::DeviceIndex index =
            device_index < 0 ? c10::cuda::current_device() : static_cast<c10::DeviceIndex>(device_index);
        c10::cuda::CUDAGuard guard(index);
        // Index 0 of every stat array is the aggregate over pools, in every libtorch version since 1.x.
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
        *allocated = stats.allocated_bytes[0].current;
        *reserved = stats.reserved_bytes[0].current;
        size_t free_bytes = 0, total_bytes = 0;
        C10_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
        *total = static_cast<int64_t>(total_bytes);
#else
        throw InvalidArgument("device memory: this shim was built without CUDA");
#endif
      } else {
        throw InvalidArgument("device memory: unknown device type " + std::to_string(device_type));
      });
}

twa_status twa_parallel_probe(int64_t items, int32_t* threads) noexcept {
  TWA_GUARD(
      twa::out_check(threads);
      if (items < 1) throw InvalidArgument("parallel probe: items must be >= 1, got " + std::to_string(items));
      std::mutex lock;
      std::set<std::thread::id> seen;
      // Each item sleeps a little, so an idle pool thread has time to take a share of the range.
      at::parallel_for(0, items, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) std::this_thread::sleep_for(std::chrono::microseconds(200));
        std::lock_guard<std::mutex> g(lock);
        seen.insert(std::this_thread::get_id());
      });
      *threads = static_cast<int32_t>(seen.size()));
}

}  // extern "C"
