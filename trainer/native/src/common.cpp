// Library-level exports: errors, versions, threads, generators, and shared conversions.
#include "common.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <dlfcn.h>
#include <mutex>
#include <new>
#include <stdexcept>

namespace twa {

std::atomic<int64_t> live_tensors{0};

namespace {
thread_local std::string last_error;

bool looks_like_timeout(const std::string& m) {
  return m.find("imed out") != std::string::npos || m.find("imeout") != std::string::npos ||
         m.find("timeout") != std::string::npos;
}
}  // namespace

const char* last_error_c_str() { return last_error.c_str(); }

void set_error(const char* message) { last_error = message == nullptr ? "" : message; }
void set_error(const std::string& message) { last_error = message; }

twa_status fail(twa_status status, const std::string& message) {
  set_error(message);
  return status;
}

twa_status status_from_current_exception(bool distributed) {
  try {
    throw;
  } catch (const InvalidArgument& e) {
    return fail(TWA_ERR_INVALID_ARGUMENT, e.what());
  } catch (const c10::OutOfMemoryError& e) {
    return fail(TWA_ERR_OUT_OF_MEMORY, e.what_without_backtrace());
  } catch (const c10::IndexError& e) {
    return fail(TWA_ERR_INVALID_ARGUMENT, e.what_without_backtrace());
  } catch (const c10::ValueError& e) {
    return fail(TWA_ERR_INVALID_ARGUMENT, e.what_without_backtrace());
  } catch (const c10::TypeError& e) {
    return fail(TWA_ERR_INVALID_ARGUMENT, e.what_without_backtrace());
  } catch (const c10::Error& e) {
    std::string m = e.what_without_backtrace();
    if (distributed) return fail(looks_like_timeout(m) ? TWA_ERR_TIMEOUT : TWA_ERR_DISTRIBUTED, m);
    return fail(TWA_ERR_TORCH, m);
  } catch (const std::bad_alloc&) {
    return fail(TWA_ERR_OUT_OF_MEMORY, "out of memory (std::bad_alloc)");
  } catch (const std::exception& e) {
    std::string m = e.what();
    if (distributed) return fail(looks_like_timeout(m) ? TWA_ERR_TIMEOUT : TWA_ERR_DISTRIBUTED, m);
    return fail(TWA_ERR_UNKNOWN, m);
  } catch (...) {
    return fail(TWA_ERR_UNKNOWN, "unknown native exception");
  }
}

at::ScalarType to_scalar_type(int32_t dtype) {
  switch (dtype) {
    case TWA_DTYPE_U8: return at::kByte;
    case TWA_DTYPE_I32: return at::kInt;
    case TWA_DTYPE_I64: return at::kLong;
    case TWA_DTYPE_F16: return at::kHalf;
    case TWA_DTYPE_F32: return at::kFloat;
    case TWA_DTYPE_F64: return at::kDouble;
    case TWA_DTYPE_BF16: return at::kBFloat16;
    case TWA_DTYPE_BOOL: return at::kBool;
    default: throw InvalidArgument("unknown dtype code " + std::to_string(dtype));
  }
}

int32_t from_scalar_type(at::ScalarType st) {
  switch (st) {
    case at::kByte: return TWA_DTYPE_U8;
    case at::kInt: return TWA_DTYPE_I32;
    case at::kLong: return TWA_DTYPE_I64;
    case at::kHalf: return TWA_DTYPE_F16;
    case at::kFloat: return TWA_DTYPE_F32;
    case at::kDouble: return TWA_DTYPE_F64;
    case at::kBFloat16: return TWA_DTYPE_BF16;
    case at::kBool: return TWA_DTYPE_BOOL;
    default: throw InvalidArgument(std::string("tensor has a dtype the binding does not expose: ") + c10::toString(st));
  }
}

at::Device to_device(int32_t type, int32_t index) {
  if (index < -1 || index > 255) throw InvalidArgument("device index " + std::to_string(index) + " is out of range");
  switch (type) {
    case TWA_DEVICE_CPU: return at::Device(at::kCPU);
    case TWA_DEVICE_CUDA:
      if (!at::detail::getCUDAHooks().hasCUDA())
        throw c10::Error({__func__, __FILE__, static_cast<uint32_t>(__LINE__)},
                         "CUDA device requested but this libtorch build has no CUDA support or no GPU is visible");
      return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
    default: throw InvalidArgument("unknown device type code " + std::to_string(type));
  }
}

at::IntArrayRef shape_of(const int64_t* shape, int32_t ndim) {
  if (ndim < 0) throw InvalidArgument("negative number of dimensions");
  if (ndim > 0 && shape == nullptr) throw InvalidArgument("shape pointer is null");
  return at::IntArrayRef(shape, static_cast<size_t>(ndim));
}

}  // namespace twa

struct twa_generator_s {
  at::Generator gen;
};

namespace twa {
c10::optional<at::Generator> gen_of(twa_generator g) {
  if (g == nullptr) return c10::nullopt;
  return g->gen;
}
}  // namespace twa

using namespace twa;

extern "C" {

int32_t twa_abi_version(void) noexcept { return TWA_ABI_VERSION; }
const char* twa_last_error(void) noexcept { return last_error_c_str(); }

twa_status twa_torch_version(const char** out) noexcept {
  TWA_GUARD(out_check(out); *out = TORCH_VERSION);
}

twa_status twa_torch_config(const char** out) noexcept {
  static std::string config;
  TWA_GUARD(out_check(out); static std::once_flag once;
            std::call_once(once, [] { config = at::show_config() + at::get_parallel_info(); });
            *out = config.c_str());
}

twa_status twa_cuda_device_count(int32_t* out) noexcept {
  TWA_GUARD(out_check(out); *out = at::detail::getCUDAHooks().hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0);
}

twa_status twa_nccl_available(int32_t* out) noexcept {
#ifdef TWA_WITH_NCCL
  TWA_GUARD(out_check(out); *out = 1);
#else
  TWA_GUARD(out_check(out); *out = 0);
#endif
}

twa_status twa_set_num_threads(int32_t n) noexcept {
  TWA_GUARD(if (n < 1) throw InvalidArgument("thread count must be >= 1, got " + std::to_string(n));
            at::set_num_threads(n));
}

// OpenBLAS is reached through the global symbol table, so the instance libtorch calls is the one set, and other
// BLAS builds (where the symbols are absent) still load.
twa_status twa_set_blas_threads(int32_t n, int32_t* applied) noexcept {
  TWA_GUARD(out_check(applied);
            if (n < 1) throw InvalidArgument("BLAS thread count must be >= 1, got " + std::to_string(n));
            using set_fn = void (*)(int);
            auto set = reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
            if (set != nullptr) set(n);
            *applied = set != nullptr ? n : -1);
}

twa_status twa_get_blas_threads(int32_t* out) noexcept {
  TWA_GUARD(out_check(out); using get_fn = int (*)();
            auto get = reinterpret_cast<get_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
            *out = get != nullptr ? get() : -1);
}

twa_status twa_get_num_threads(int32_t* out) noexcept { TWA_GUARD(out_check(out); *out = at::get_num_threads()); }

int64_t twa_tensor_live_count(void) noexcept { return live_tensors.load(std::memory_order_relaxed); }

twa_status twa_manual_seed(uint64_t seed) noexcept { TWA_GUARD(at::manual_seed(seed)); }

twa_status twa_generator_new(uint64_t seed, int32_t device_type, int32_t device_index, twa_generator* out) noexcept {
  TWA_GUARD(out_check(out); auto device = to_device(device_type, device_index);
            at::Generator g = device.is_cpu() ? at::detail::createCPUGenerator(seed)
                                              : at::detail::getCUDAHooks().getDefaultCUDAGenerator(device.index()).clone();
            g.set_current_seed(seed); *out = new twa_generator_s{std::move(g)});
}

void twa_generator_free(twa_generator g) noexcept { delete g; }

twa_status twa_generator_get_state(twa_generator g, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); if (g == nullptr) throw InvalidArgument("generator handle is null");
            std::lock_guard<std::mutex> lock(g->gen.mutex()); *out = wrap(g->gen.get_state()));
}

twa_status twa_generator_set_state(twa_generator g, twa_tensor state) noexcept {
  TWA_GUARD(if (g == nullptr) throw InvalidArgument("generator handle is null");
            std::lock_guard<std::mutex> lock(g->gen.mutex()); g->gen.set_state(T(state)));
}

}  // extern "C"
