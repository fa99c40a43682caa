// Internal helpers shared by every translation unit of the shim. Not part of the ABI.
#pragma once

#include "twa_torch.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/generated/variable_factories.h>
#include <torch/version.h>

#include <atomic>
#include <string>
#include <vector>

namespace twa {

// Error reporting ------------------------------------------------------------------------
void set_error(const char* message);
void set_error(const std::string& message);
twa_status fail(twa_status status, const std::string& message);
// Maps a caught exception to a status and records its message (never a C++ backtrace).
twa_status status_from_current_exception(bool distributed);

// Thrown by shim-side checks; reported as TWA_ERR_INVALID_ARGUMENT.
struct InvalidArgument : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Handles --------------------------------------------------------------------------------
extern std::atomic<int64_t> live_tensors;

inline at::Tensor& T(twa_tensor t) {
  if (t == nullptr) throw InvalidArgument("tensor handle is null");
  return *reinterpret_cast<at::Tensor*>(t);
}
inline c10::optional<at::Tensor> opt(twa_tensor t) {
  if (t == nullptr) return c10::nullopt;
  return *reinterpret_cast<at::Tensor*>(t);
}
// Moves a result into a new caller-owned handle.
inline twa_tensor wrap(at::Tensor&& t) {
  auto* h = new at::Tensor(std::move(t));
  live_tensors.fetch_add(1, std::memory_order_relaxed);
  return reinterpret_cast<twa_tensor>(h);
}
inline twa_tensor wrap(const at::Tensor& t) { return wrap(at::Tensor(t)); }
inline void out_check(const void* out) {
  if (out == nullptr) throw InvalidArgument("output pointer is null");
}

at::ScalarType to_scalar_type(int32_t dtype);
int32_t from_scalar_type(at::ScalarType st);
at::Device to_device(int32_t type, int32_t index);
at::IntArrayRef shape_of(const int64_t* shape, int32_t ndim);
c10::optional<at::Generator> gen_of(twa_generator g);

}  // namespace twa

// The one guard: every export body runs inside it and always returns a status.
#define TWA_GUARD_IMPL(distributed, ...)                          \
  try {                                                          \
    __VA_ARGS__;                                                 \
    return TWA_OK;                                               \
  } catch (...) {                                                \
    return ::twa::status_from_current_exception(distributed);    \
  }
#define TWA_GUARD(...) TWA_GUARD_IMPL(false, __VA_ARGS__)
#define TWA_DIST_GUARD(...) TWA_GUARD_IMPL(true, __VA_ARGS__)
