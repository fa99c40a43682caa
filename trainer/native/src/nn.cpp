// nn functional exports (all differentiable through libtorch's autograd).
#include "common.h"

using namespace twa;

namespace {
at::IntArrayRef pair(const int64_t* p, const char* what) {
  if (p == nullptr) throw InvalidArgument(std::string(what) + " pointer is null");
  return at::IntArrayRef(p, 2);
}
int64_t reduction_of(int32_t r) {
  if (r < 0 || r > 2) throw InvalidArgument("reduction must be 0 (none), 1 (mean) or 2 (sum)");
  return r;  // at::Reduction::None = 0, Mean = 1, Sum = 2
}
}  // namespace

extern "C" {

twa_status twa_nn_linear(twa_tensor x, twa_tensor w, twa_tensor bias, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::linear(T(x), T(w), opt(bias))));
}

twa_status twa_nn_conv2d(twa_tensor x, twa_tensor w, twa_tensor bias, const int64_t* stride, const int64_t* padding,
                         const int64_t* dilation, int64_t groups, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::conv2d(T(x), T(w), opt(bias), pair(stride, "stride"), pair(padding, "padding"),
                                                    pair(dilation, "dilation"), groups)));
}

twa_status twa_nn_batch_norm(twa_tensor x, twa_tensor weight, twa_tensor bias, twa_tensor running_mean, twa_tensor running_var,
                             int32_t training, double momentum, double eps, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out);
            if (!(momentum >= 0.0 && momentum <= 1.0)) throw InvalidArgument("batch_norm momentum must be in [0, 1]");
            *out = wrap(at::batch_norm(T(x), opt(weight), opt(bias), opt(running_mean), opt(running_var), training != 0, momentum,
                                       eps, at::globalContext().userEnabledCuDNN())));
}

twa_status twa_nn_layer_norm(twa_tensor x, const int64_t* normalized_shape, int32_t ndim, twa_tensor weight, twa_tensor bias,
                             double eps, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out);
            *out = wrap(at::layer_norm(T(x), shape_of(normalized_shape, ndim), opt(weight), opt(bias), eps, true)));
}

twa_status twa_nn_pool2d(twa_tensor x, int32_t kind, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                         int32_t ceil_mode, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); auto k = pair(kernel, "kernel"); auto s = pair(stride, "stride"); auto p = pair(padding, "padding");
            if (kind == 0) *out = wrap(at::max_pool2d(T(x), k, s, p, {1, 1}, ceil_mode != 0));
            else if (kind == 1) *out = wrap(at::avg_pool2d(T(x), k, s, p, ceil_mode != 0, true));
            else throw InvalidArgument("pool kind must be 0 (max) or 1 (avg)"));
}

twa_status twa_nn_adaptive_avg_pool2d(twa_tensor x, int64_t out_h, int64_t out_w, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::adaptive_avg_pool2d(T(x), {out_h, out_w})));
}

twa_status twa_nn_dropout(twa_tensor x, double p, int32_t training, twa_generator gen, twa_tensor* out) noexcept {
  TWA_GUARD(
      out_check(out); if (!(p >= 0.0 && p <= 1.0)) throw InvalidArgument("dropout probability must be in [0, 1], got " + std::to_string(p));
      const auto& in = T(x);
      if (training == 0 || p == 0.0) { *out = wrap(in); } else if (p == 1.0) { *out = wrap(in * 0); } else {
        at::Tensor mask = at::empty_like(in, at::MemoryFormat::Contiguous).bernoulli_(1.0 - p, gen_of(gen));
        *out = wrap(in * mask.div_(1.0 - p));
      });
}

twa_status twa_nn_embedding(twa_tensor weight, twa_tensor indices, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::embedding(T(weight), T(indices))));
}

twa_status twa_nn_softmax(twa_tensor x, int64_t dim, int32_t kind, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); if (kind != 0 && kind != 1) throw InvalidArgument("softmax kind must be 0 (softmax) or 1 (log_softmax)");
            *out = wrap(kind == 0 ? at::softmax(T(x), dim) : at::log_softmax(T(x), dim)));
}

twa_status twa_nn_cross_entropy(twa_tensor logits, twa_tensor target, int32_t reduction, double label_smoothing,
                                twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out);
            *out = wrap(at::cross_entropy_loss(T(logits), T(target), c10::nullopt, reduction_of(reduction), -100, label_smoothing)));
}

twa_status twa_nn_nll_loss(twa_tensor log_probs, twa_tensor target, int32_t reduction, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::nll_loss(T(log_probs), T(target), c10::nullopt, reduction_of(reduction), -100)));
}

twa_status twa_nn_mse_loss(twa_tensor x, twa_tensor target, int32_t reduction, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::mse_loss(T(x), T(target), reduction_of(reduction))));
}

}  // extern "C"
