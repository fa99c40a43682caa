// Tensor exports: lifetime, metadata, creation, conversion, elementwise math, reductions, matmul.
#include "common.h"

#include <cmath>

using namespace twa;

namespace {

at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index) {
  return at::TensorOptions().dtype(to_scalar_type(dtype)).device(to_device(device_type, device_index));
}

at::Tensor unary(const at::Tensor& a, int32_t op) {
  switch (op) {
    case TWA_UNARY_NEG: return a.neg();
    case TWA_UNARY_EXP: return a.exp();
    case TWA_UNARY_LOG: return a.log();
    case TWA_UNARY_SQRT: return a.sqrt();
    case TWA_UNARY_RSQRT: return a.rsqrt();
    case TWA_UNARY_ABS: return a.abs();
    case TWA_UNARY_SIGN: return a.sign();
    case TWA_UNARY_SIGMOID: return a.sigmoid();
    case TWA_UNARY_TANH: return a.tanh();
    case TWA_UNARY_RELU: return a.relu();
    case TWA_UNARY_GELU: return at::gelu(a);
    case TWA_UNARY_GELU_TANH: return at::gelu(a, "tanh");
    case TWA_UNARY_SIN: return a.sin();
    case TWA_UNARY_COS: return a.cos();
    case TWA_UNARY_RECIPROCAL: return a.reciprocal();
    case TWA_UNARY_SQUARE: return a.square();
    case TWA_UNARY_ISNAN: return a.isnan();
    case TWA_UNARY_ISFINITE: return a.isfinite();
    case TWA_UNARY_ROUND: return a.round();
    case TWA_UNARY_FLOOR: return a.floor();
    case TWA_UNARY_CEIL: return a.ceil();
    case TWA_UNARY_LOG1P: return a.log1p();
    case TWA_UNARY_LOGICAL_NOT: return a.logical_not();
    default: throw InvalidArgument("unknown unary op code " + std::to_string(op));
  }
}

void unary_(at::Tensor& a, int32_t op) {
  switch (op) {
    case TWA_UNARY_NEG: a.neg_(); return;
    case TWA_UNARY_EXP: a.exp_(); return;
    case TWA_UNARY_LOG: a.log_(); return;
    case TWA_UNARY_SQRT: a.sqrt_(); return;
    case TWA_UNARY_RSQRT: a.rsqrt_(); return;
    case TWA_UNARY_ABS: a.abs_(); return;
    case TWA_UNARY_SIGN: a.sign_(); return;
    case TWA_UNARY_SIGMOID: a.sigmoid_(); return;
    case TWA_UNARY_TANH: a.tanh_(); return;
    case TWA_UNARY_RELU: a.relu_(); return;
    case TWA_UNARY_SIN: a.sin_(); return;
    case TWA_UNARY_COS: a.cos_(); return;
    case TWA_UNARY_RECIPROCAL: a.reciprocal_(); return;
    case TWA_UNARY_SQUARE: a.square_(); return;
    case TWA_UNARY_ROUND: a.round_(); return;
    case TWA_UNARY_FLOOR: a.floor_(); return;
    case TWA_UNARY_CEIL: a.ceil_(); return;
    case TWA_UNARY_LOG1P: a.log1p_(); return;
    default: throw InvalidArgument("unary op code " + std::to_string(op) + " has no in-place form");
  }
}

at::Tensor binary(const at::Tensor& a, const at::Tensor& b, int32_t op, double alpha) {
  switch (op) {
    case TWA_BINARY_ADD: return at::add(a, b, alpha);
    case TWA_BINARY_SUB: return at::sub(a, b, alpha);
    case TWA_BINARY_MUL: return at::mul(a, b);
    case TWA_BINARY_DIV: return at::div(a, b);
    case TWA_BINARY_POW: return at::pow(a, b);
    case TWA_BINARY_MAXIMUM: return at::maximum(a, b);
    case TWA_BINARY_MINIMUM: return at::minimum(a, b);
    case TWA_BINARY_EQ: return at::eq(a, b);
    case TWA_BINARY_NE: return at::ne(a, b);
    case TWA_BINARY_LT: return at::lt(a, b);
    case TWA_BINARY_LE: return at::le(a, b);
    case TWA_BINARY_GT: return at::gt(a, b);
    case TWA_BINARY_GE: return at::ge(a, b);
    case TWA_BINARY_ATAN2: return at::atan2(a, b);
    case TWA_BINARY_LOGICAL_AND: return at::logical_and(a, b);
    case TWA_BINARY_LOGICAL_OR: return at::logical_or(a, b);
    case TWA_BINARY_REMAINDER: return at::remainder(a, b);
    case TWA_BINARY_BITWISE_AND: return at::bitwise_and(a, b);
    case TWA_BINARY_BITWISE_OR: return at::bitwise_or(a, b);
    case TWA_BINARY_SHIFT_LEFT: return at::bitwise_left_shift(a, b);
    case TWA_BINARY_SHIFT_RIGHT: return at::bitwise_right_shift(a, b);
    default: throw InvalidArgument("unknown binary op code " + std::to_string(op));
  }
}

void binary_(at::Tensor& a, const at::Tensor& b, int32_t op, double alpha) {
  switch (op) {
    case TWA_BINARY_ADD: a.add_(b, alpha); return;
    case TWA_BINARY_SUB: a.sub_(b, alpha); return;
    case TWA_BINARY_MUL: a.mul_(b); return;
    case TWA_BINARY_DIV: a.div_(b); return;
    case TWA_BINARY_POW: a.pow_(b); return;
    case TWA_BINARY_ATAN2: a.atan2_(b); return;
    case TWA_BINARY_REMAINDER: a.remainder_(b); return;
    case TWA_BINARY_BITWISE_AND: a.bitwise_and_(b); return;
    case TWA_BINARY_BITWISE_OR: a.bitwise_or_(b); return;
    case TWA_BINARY_SHIFT_LEFT: a.bitwise_left_shift_(b); return;
    case TWA_BINARY_SHIFT_RIGHT: a.bitwise_right_shift_(b); return;
    default: throw InvalidArgument("binary op code " + std::to_string(op) + " has no in-place form");
  }
}

at::Tensor binary_scalar(const at::Tensor& a, const at::Scalar& s, int32_t op, bool reverse) {
  if (reverse) {
    switch (op) {
      case TWA_BINARY_SUB: return at::rsub(a, s);
      case TWA_BINARY_DIV: return a.reciprocal().mul(s);
      case TWA_BINARY_POW: return at::pow(s, a);
      case TWA_BINARY_ADD:
      case TWA_BINARY_MUL: break;  // commutative
      default: throw InvalidArgument("binary op code " + std::to_string(op) + " has no reversed scalar form");
    }
  }
  switch (op) {
    case TWA_BINARY_ADD: return at::add(a, s);
    case TWA_BINARY_SUB: return at::sub(a, s);
    case TWA_BINARY_MUL: return at::mul(a, s);
    case TWA_BINARY_DIV: return at::div(a, s);
    case TWA_BINARY_POW: return at::pow(a, s);
    case TWA_BINARY_MAXIMUM: return at::clamp_min(a, s);
    case TWA_BINARY_MINIMUM: return at::clamp_max(a, s);
    case TWA_BINARY_EQ: return at::eq(a, s);
    case TWA_BINARY_NE: return at::ne(a, s);
    case TWA_BINARY_LT: return at::lt(a, s);
    case TWA_BINARY_LE: return at::le(a, s);
    case TWA_BINARY_GT: return at::gt(a, s);
    case TWA_BINARY_GE: return at::ge(a, s);
    case TWA_BINARY_REMAINDER: return at::remainder(a, s);
    case TWA_BINARY_BITWISE_AND: return at::bitwise_and(a, s);
    case TWA_BINARY_BITWISE_OR: return at::bitwise_or(a, s);
    case TWA_BINARY_SHIFT_LEFT: return at::bitwise_left_shift(a, s);
    case TWA_BINARY_SHIFT_RIGHT: return at::bitwise_right_shift(a, s);
    default: throw InvalidArgument("binary op code " + std::to_string(op) + " has no scalar form");
  }
}

void binary_scalar_(at::Tensor& a, const at::Scalar& s, int32_t op) {
  switch (op) {
    case TWA_BINARY_ADD: a.add_(s); return;
    case TWA_BINARY_SUB: a.sub_(s); return;
    case TWA_BINARY_MUL: a.mul_(s); return;
    case TWA_BINARY_DIV: a.div_(s); return;
    case TWA_BINARY_POW: a.pow_(s); return;
    case TWA_BINARY_MAXIMUM: a.clamp_min_(s); return;
    case TWA_BINARY_MINIMUM: a.clamp_max_(s); return;
    case TWA_BINARY_REMAINDER: a.remainder_(s); return;
    case TWA_BINARY_BITWISE_AND: a.bitwise_and_(s); return;
    case TWA_BINARY_BITWISE_OR: a.bitwise_or_(s); return;
    case TWA_BINARY_SHIFT_LEFT: a.bitwise_left_shift_(s); return;
    case TWA_BINARY_SHIFT_RIGHT: a.bitwise_right_shift_(s); return;
    default: throw InvalidArgument("binary op code " + std::to_string(op) + " has no in-place scalar form");
  }
}

at::Tensor reduce(const at::Tensor& a, int32_t op, at::IntArrayRef dims, bool keepdim, double param) {
  const bool all = dims.empty();
  auto single_dim = [&]() -> c10::optional<int64_t> {
    if (all) return c10::nullopt;
    if (dims.size() != 1) throw InvalidArgument("argmax/argmin/max/min/prod/logsumexp reduce over exactly one dim (or all)");
    return dims[0];
  };
  switch (op) {
    case TWA_REDUCE_SUM: return all ? (keepdim ? a.sum(at::IntArrayRef{}, true) : a.sum()) : a.sum(dims, keepdim);
    case TWA_REDUCE_MEAN: return all ? (keepdim ? a.mean(at::IntArrayRef{}, true) : a.mean()) : a.mean(dims, keepdim);
    case TWA_REDUCE_MAX: {
      auto d = single_dim();
      return d ? std::get<0>(a.max(*d, keepdim)) : a.max();
    }
    case TWA_REDUCE_MIN: {
      auto d = single_dim();
      return d ? std::get<0>(a.min(*d, keepdim)) : a.min();
    }
    case TWA_REDUCE_PROD: {
      auto d = single_dim();
      return d ? a.prod(*d, keepdim) : a.prod();
    }
    case TWA_REDUCE_ARGMAX: return a.argmax(single_dim(), keepdim);
    case TWA_REDUCE_ARGMIN: return a.argmin(single_dim(), keepdim);
    case TWA_REDUCE_NORM:
      return all ? at::linalg_vector_norm(a, param, c10::nullopt, keepdim) : at::linalg_vector_norm(a, param, dims, keepdim);
    case TWA_REDUCE_VAR:
      return a.var(all ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(dims), static_cast<int64_t>(param), keepdim);
    case TWA_REDUCE_STD:
      return a.std(all ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(dims), static_cast<int64_t>(param), keepdim);
    case TWA_REDUCE_ANY: {
      auto d = single_dim();
      return d ? a.any(*d, keepdim) : a.any();
    }
    case TWA_REDUCE_ALL: {
      auto d = single_dim();
      return d ? a.all(*d, keepdim) : a.all();
    }
    case TWA_REDUCE_LOGSUMEXP: return at::logsumexp(a, all ? std::vector<int64_t>{} : dims.vec(), keepdim);
    default: throw InvalidArgument("unknown reduction op code " + std::to_string(op));
  }
}

// An integral tensor with an integral value gets an integral Scalar, so `i64 += 1` stays an i64 op
// (a double Scalar would promote the result to float and fail for in-place ops).
at::Scalar scalar_for(const at::Tensor& a, double s) {
  if (!a.is_floating_point() && !a.is_complex() && std::isfinite(s) && s == std::floor(s) && std::fabs(s) < 9.007199254740992e15)
    return at::Scalar(static_cast<int64_t>(s));
  return at::Scalar(s);
}

}  // namespace

extern "C" {

void twa_tensor_free(twa_tensor t) noexcept {
  if (t == nullptr) return;
  delete reinterpret_cast<at::Tensor*>(t);
  live_tensors.fetch_sub(1, std::memory_order_relaxed);
}

twa_status twa_tensor_dim(twa_tensor t, int64_t* out) noexcept { TWA_GUARD(out_check(out); *out = T(t).dim()); }

twa_status twa_tensor_sizes(twa_tensor t, int64_t* out, int64_t capacity) noexcept {
  TWA_GUARD(auto s = T(t).sizes(); if (capacity > 0) out_check(out);
            for (int64_t i = 0; i < static_cast<int64_t>(s.size()) && i < capacity; ++i) out[i] = s[i]);
}

twa_status twa_tensor_strides(twa_tensor t, int64_t* out, int64_t capacity) noexcept {
  TWA_GUARD(auto s = T(t).strides(); if (capacity > 0) out_check(out);
            for (int64_t i = 0; i < static_cast<int64_t>(s.size()) && i < capacity; ++i) out[i] = s[i]);
}

twa_status twa_tensor_numel(twa_tensor t, int64_t* out) noexcept { TWA_GUARD(out_check(out); *out = T(t).numel()); }

twa_status twa_tensor_dtype(twa_tensor t, int32_t* out) noexcept {
  TWA_GUARD(out_check(out); *out = from_scalar_type(T(t).scalar_type()));
}

twa_status twa_tensor_device(twa_tensor t, int32_t* type, int32_t* index) noexcept {
  TWA_GUARD(out_check(type); out_check(index); auto d = T(t).device();
            *type = d.is_cuda() ? TWA_DEVICE_CUDA : TWA_DEVICE_CPU; *index = d.has_index() ? d.index() : -1);
}

twa_status twa_tensor_is_contiguous(twa_tensor t, int32_t* out) noexcept {
  TWA_GUARD(out_check(out); *out = T(t).is_contiguous() ? 1 : 0);
}

twa_status twa_tensor_data_ptr(twa_tensor t, void** out) noexcept { TWA_GUARD(out_check(out); *out = T(t).data_ptr()); }

twa_status twa_tensor_same_storage(twa_tensor a, twa_tensor b, int32_t* out) noexcept {
  TWA_GUARD(out_check(out); *out = T(a).is_alias_of(T(b)) ? 1 : 0);
}

twa_status twa_tensor_item(twa_tensor t, double* out) noexcept {
  TWA_GUARD(out_check(out); *out = T(t).item().toDouble());
}

twa_status twa_tensor_new(int32_t kind, const int64_t* shape, int32_t ndim, int32_t dtype, int32_t device_type,
                          int32_t device_index, int32_t requires_grad, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); auto o = options(dtype, device_type, device_index); auto s = shape_of(shape, ndim);
            at::Tensor t = kind == 0 ? at::empty(s, o) : kind == 1 ? at::zeros(s, o) : kind == 2 ? at::ones(s, o)
                                                                               : throw InvalidArgument("unknown creation kind");
            if (requires_grad) t.set_requires_grad(true); *out = wrap(std::move(t)));
}

twa_status twa_tensor_full(const int64_t* shape, int32_t ndim, double value, int32_t dtype, int32_t device_type,
                           int32_t device_index, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::full(shape_of(shape, ndim), value, options(dtype, device_type, device_index))));
}

twa_status twa_tensor_from_data(const void* data, int64_t nbytes, const int64_t* shape, int32_t ndim, int32_t dtype,
                                int32_t device_type, int32_t device_index, twa_tensor* out) noexcept {
  TWA_GUARD(
      out_check(out); auto st = to_scalar_type(dtype); auto s = shape_of(shape, ndim);
      int64_t numel = 1; for (auto d : s) {
        if (d < 0) throw InvalidArgument("negative dimension in shape");
        numel *= d;
      } const int64_t expected = numel * static_cast<int64_t>(c10::elementSize(st));
      if (nbytes != expected) throw InvalidArgument("data holds " + std::to_string(nbytes) + " bytes but shape and dtype need " +
                                                    std::to_string(expected));
      if (nbytes > 0 && data == nullptr) throw InvalidArgument("data pointer is null");
      at::Tensor t = at::empty(s, at::TensorOptions().dtype(st));
      if (nbytes > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(nbytes));
      auto device = to_device(device_type, device_index);
      *out = wrap(device.is_cpu() ? std::move(t) : t.to(device)));
}

twa_status twa_tensor_arange(double start, double end, double step, int32_t dtype, int32_t device_type, int32_t device_index,
                             twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::arange(start, end, step, options(dtype, device_type, device_index))));
}

twa_status twa_tensor_eye(int64_t n, int32_t dtype, int32_t device_type, int32_t device_index, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::eye(n, options(dtype, device_type, device_index))));
}

twa_status twa_tensor_random(int32_t kind, const int64_t* shape, int32_t ndim, int32_t dtype, int32_t device_type,
                             int32_t device_index, twa_generator gen, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); auto o = options(dtype, device_type, device_index); auto s = shape_of(shape, ndim);
            if (kind != 0 && kind != 1) throw InvalidArgument("unknown random kind");
            *out = wrap(kind == 0 ? at::rand(s, gen_of(gen), o) : at::randn(s, gen_of(gen), o)));
}

twa_status twa_tensor_randint(int64_t low, int64_t high, const int64_t* shape, int32_t ndim, int32_t device_type,
                              int32_t device_index, twa_generator gen, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out);
            *out = wrap(at::randint(low, high, shape_of(shape, ndim), gen_of(gen), options(TWA_DTYPE_I64, device_type, device_index))));
}

twa_status twa_tensor_randperm(int64_t n, int32_t device_type, int32_t device_index, twa_generator gen, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::randperm(n, gen_of(gen), options(TWA_DTYPE_I64, device_type, device_index))));
}

twa_status twa_tensor_bernoulli_(twa_tensor t, double p, twa_generator gen) noexcept {
  TWA_GUARD(if (!(p >= 0.0 && p <= 1.0)) throw InvalidArgument("bernoulli probability must be in [0, 1]");
            T(t).bernoulli_(p, gen_of(gen)));
}

twa_status twa_tensor_uniform_(twa_tensor t, double low, double high, twa_generator gen) noexcept {
  TWA_GUARD(T(t).uniform_(low, high, gen_of(gen)));
}

twa_status twa_tensor_normal_(twa_tensor t, double mean, double std, twa_generator gen) noexcept {
  TWA_GUARD(T(t).normal_(mean, std, gen_of(gen)));
}

twa_status twa_tensor_to(twa_tensor t, int32_t dtype, int32_t device_type, int32_t device_index, int32_t copy,
                         twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out);
            *out = wrap(T(t).to(to_device(device_type, device_index), to_scalar_type(dtype), false, copy != 0)));
}

twa_status twa_tensor_contiguous(twa_tensor t, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(T(t).contiguous())); }
twa_status twa_tensor_clone(twa_tensor t, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(T(t).clone())); }
twa_status twa_tensor_detach(twa_tensor t, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(T(t).detach())); }
twa_status twa_tensor_alias(twa_tensor t, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(T(t))); }
twa_status twa_tensor_copy_(twa_tensor dst, twa_tensor src) noexcept { TWA_GUARD(T(dst).copy_(T(src))); }

twa_status twa_tensor_to_host(twa_tensor t, void* dst, int64_t nbytes) noexcept {
  TWA_GUARD(
      const auto& x = T(t); const int64_t expected = x.numel() * static_cast<int64_t>(x.element_size());
      if (nbytes != expected) throw InvalidArgument("destination holds " + std::to_string(nbytes) + " bytes but the tensor has " +
                                                    std::to_string(expected));
      if (nbytes > 0 && dst == nullptr) throw InvalidArgument("destination pointer is null");
      if (nbytes == 0) return TWA_OK;
      at::Tensor host = x.detach().to(at::kCPU).contiguous();
      std::memcpy(dst, host.data_ptr(), static_cast<size_t>(nbytes)));
}

twa_status twa_tensor_unary(twa_tensor a, int32_t op, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(unary(T(a), op))); }
twa_status twa_tensor_unary_(twa_tensor a, int32_t op) noexcept { TWA_GUARD(unary_(T(a), op)); }

twa_status twa_tensor_binary(twa_tensor a, twa_tensor b, int32_t op, double alpha, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(binary(T(a), T(b), op, alpha)));
}
twa_status twa_tensor_binary_(twa_tensor a, twa_tensor b, int32_t op, double alpha) noexcept { TWA_GUARD(binary_(T(a), T(b), op, alpha)); }

twa_status twa_tensor_binary_scalar(twa_tensor a, double s, int32_t op, int32_t reverse, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(binary_scalar(T(a), scalar_for(T(a), s), op, reverse != 0)));
}
twa_status twa_tensor_binary_scalar_(twa_tensor a, double s, int32_t op) noexcept { TWA_GUARD(binary_scalar_(T(a), scalar_for(T(a), s), op)); }

twa_status twa_tensor_clamp(twa_tensor a, double min, double max, int32_t has_min, int32_t has_max, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out);
            *out = wrap(at::clamp(T(a), has_min ? c10::optional<at::Scalar>(min) : c10::nullopt,
                                  has_max ? c10::optional<at::Scalar>(max) : c10::nullopt)));
}
twa_status twa_tensor_clamp_(twa_tensor a, double min, double max, int32_t has_min, int32_t has_max) noexcept {
  TWA_GUARD(T(a).clamp_(has_min ? c10::optional<at::Scalar>(min) : c10::nullopt,
                        has_max ? c10::optional<at::Scalar>(max) : c10::nullopt));
}

twa_status twa_tensor_where(twa_tensor cond, twa_tensor a, twa_tensor b, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::where(T(cond), T(a), T(b))));
}
twa_status twa_tensor_addcmul_(twa_tensor a, twa_tensor t1, twa_tensor t2, double value) noexcept {
  TWA_GUARD(T(a).addcmul_(T(t1), T(t2), value));
}
twa_status twa_tensor_addcdiv_(twa_tensor a, twa_tensor t1, twa_tensor t2, double value) noexcept {
  TWA_GUARD(T(a).addcdiv_(T(t1), T(t2), value));
}
twa_status twa_tensor_lerp_(twa_tensor a, twa_tensor end, double weight) noexcept { TWA_GUARD(T(a).lerp_(T(end), weight)); }
twa_status twa_tensor_fill_(twa_tensor a, double value) noexcept { TWA_GUARD(T(a).fill_(value)); }
twa_status twa_tensor_zero_(twa_tensor a) noexcept { TWA_GUARD(T(a).zero_()); }
twa_status twa_tensor_masked_fill(twa_tensor a, twa_tensor mask, double value, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).masked_fill(T(mask), value)));
}

twa_status twa_tensor_check_finite(twa_tensor t, const char* what) noexcept {
  TWA_GUARD(const auto& x = T(t); if (!x.is_floating_point()) return TWA_OK;
            const int64_t bad = x.detach().isfinite().logical_not().sum().item<int64_t>();
            if (bad > 0) throw InvalidArgument(std::string(what == nullptr ? "tensor" : what) + " contains " +
                                               std::to_string(bad) + " NaN or infinite value(s)"));
}

twa_status twa_tensor_reduce(twa_tensor a, int32_t op, const int64_t* dims, int32_t ndims, int32_t keepdim, double param,
                             twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(reduce(T(a), op, shape_of(dims, ndims), keepdim != 0, param)));
}
twa_status twa_tensor_cumsum(twa_tensor a, int64_t dim, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(T(a).cumsum(dim))); }

twa_status twa_tensor_matmul(twa_tensor a, twa_tensor b, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(at::matmul(T(a), T(b)))); }
twa_status twa_tensor_mm(twa_tensor a, twa_tensor b, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(at::mm(T(a), T(b)))); }
twa_status twa_tensor_bmm(twa_tensor a, twa_tensor b, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(at::bmm(T(a), T(b)))); }
twa_status twa_tensor_mv(twa_tensor a, twa_tensor v, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(at::mv(T(a), T(v)))); }
twa_status twa_tensor_dot(twa_tensor a, twa_tensor b, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(at::dot(T(a), T(b)))); }
twa_status twa_tensor_outer(twa_tensor a, twa_tensor b, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(at::outer(T(a), T(b)))); }
twa_status twa_tensor_addmm(twa_tensor c, twa_tensor a, twa_tensor b, double beta, double alpha, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::addmm(T(c), T(a), T(b), beta, alpha)));
}
twa_status twa_tensor_mm_out(twa_tensor out, twa_tensor a, twa_tensor b) noexcept { TWA_GUARD(at::mm_out(T(out), T(a), T(b))); }

}  // extern "C"
