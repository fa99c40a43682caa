// Tensor exports: views, reshaping, indexing, narrowing, concatenation.
#include "common.h"

using namespace twa;

namespace {
std::vector<at::Tensor> list_of(const twa_tensor* tensors, int32_t count) {
  if (count <= 0) throw InvalidArgument("need at least one tensor");
  if (tensors == nullptr) throw InvalidArgument("tensor list pointer is null");
  std::vector<at::Tensor> v;
  v.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) v.push_back(T(tensors[i]));
  return v;
}
}  // namespace

extern "C" {

twa_status twa_tensor_view(twa_tensor a, const int64_t* shape, int32_t ndim, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).view(shape_of(shape, ndim))));
}
twa_status twa_tensor_reshape(twa_tensor a, const int64_t* shape, int32_t ndim, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).reshape(shape_of(shape, ndim))));
}
twa_status twa_tensor_expand(twa_tensor a, const int64_t* shape, int32_t ndim, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).expand(shape_of(shape, ndim))));
}
twa_status twa_tensor_permute(twa_tensor a, const int64_t* dims, int32_t ndim, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).permute(shape_of(dims, ndim))));
}
twa_status twa_tensor_transpose(twa_tensor a, int64_t d0, int64_t d1, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).transpose(d0, d1)));
}
twa_status twa_tensor_flatten(twa_tensor a, int64_t start_dim, int64_t end_dim, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).flatten(start_dim, end_dim)));
}
twa_status twa_tensor_unsqueeze(twa_tensor a, int64_t dim, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).unsqueeze(dim)));
}
twa_status twa_tensor_squeeze(twa_tensor a, int64_t dim, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).squeeze(dim)));
}
twa_status twa_tensor_narrow(twa_tensor a, int64_t dim, int64_t start, int64_t length, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).narrow(dim, start, length)));
}
twa_status twa_tensor_select(twa_tensor a, int64_t dim, int64_t index, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).select(dim, index)));
}
twa_status twa_tensor_index_select(twa_tensor a, int64_t dim, twa_tensor index, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).index_select(dim, T(index))));
}
twa_status twa_tensor_gather(twa_tensor a, int64_t dim, twa_tensor index, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).gather(dim, T(index))));
}
twa_status twa_tensor_index_copy_(twa_tensor a, int64_t dim, twa_tensor index, twa_tensor src) noexcept {
  TWA_GUARD(T(a).index_copy_(dim, T(index), T(src)));
}
twa_status twa_tensor_index_add_(twa_tensor a, int64_t dim, twa_tensor index, twa_tensor src) noexcept {
  TWA_GUARD(T(a).index_add_(dim, T(index), T(src)));
}
twa_status twa_tensor_cat(const twa_tensor* tensors, int32_t count, int64_t dim, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::cat(list_of(tensors, count), dim)));
}
twa_status twa_tensor_stack(const twa_tensor* tensors, int32_t count, int64_t dim, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::stack(list_of(tensors, count), dim)));
}
twa_status twa_tensor_tri(twa_tensor a, int32_t kind, int64_t diagonal, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); if (kind != 0 && kind != 1) throw InvalidArgument("tri kind must be 0 (tril) or 1 (triu)");
            *out = wrap(kind == 0 ? T(a).tril(diagonal) : T(a).triu(diagonal)));
}
twa_status twa_tensor_diag(twa_tensor a, int64_t diagonal, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).diag(diagonal)));
}
twa_status twa_tensor_flip(twa_tensor a, const int64_t* dims, int32_t ndims, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(T(a).flip(shape_of(dims, ndims))));
}
twa_status twa_tensor_pad(twa_tensor a, const int64_t* pads, int32_t npads, double value, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::constant_pad_nd(T(a), shape_of(pads, npads), value)));
}

}  // extern "C"
