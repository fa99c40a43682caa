// Autograd exports: requires_grad, .grad aliasing (flat gradients), set_data (flat parameters),
// backward, torch::autograd::grad, and the thread-local grad mode.
#include "common.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

using namespace twa;

extern "C" {

twa_status twa_autograd_requires_grad(twa_tensor t, int32_t* out) noexcept {
  TWA_GUARD(out_check(out); *out = T(t).requires_grad() ? 1 : 0);
}

twa_status twa_autograd_set_requires_grad(twa_tensor t, int32_t value) noexcept {
  TWA_GUARD(T(t).set_requires_grad(value != 0));
}

twa_status twa_autograd_grad(twa_tensor t, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); const auto& g = T(t).grad(); *out = g.defined() ? wrap(g) : nullptr);
}

twa_status twa_autograd_set_grad(twa_tensor t, twa_tensor grad) noexcept {
  TWA_GUARD(
      auto& x = T(t);
      if (grad == nullptr) { x.mutable_grad() = at::Tensor(); } else {
        const auto& g = T(grad);
        if (g.sizes() != x.sizes())
          throw InvalidArgument("gradient shape " + c10::str(g.sizes()) + " does not match the tensor's shape " + c10::str(x.sizes()));
        if (g.scalar_type() != x.scalar_type() || g.device() != x.device())
          throw InvalidArgument("gradient dtype/device must match the tensor's");
        x.mutable_grad() = g;
      });
}

twa_status twa_autograd_set_data(twa_tensor t, twa_tensor data) noexcept {
  TWA_GUARD(auto& x = T(t); const auto& d = T(data);
            if (d.sizes() != x.sizes())
              throw InvalidArgument("new data shape " + c10::str(d.sizes()) + " does not match the tensor's shape " + c10::str(x.sizes()));
            x.set_data(d));
}

twa_status twa_autograd_backward(twa_tensor t, twa_tensor grad_output, int32_t retain_graph) noexcept {
  TWA_GUARD(auto g = opt(grad_output);
            torch::autograd::backward({T(t)}, g ? torch::autograd::variable_list{*g} : torch::autograd::variable_list{},
                                      retain_graph != 0 ? c10::optional<bool>(true) : c10::nullopt, false));
}

twa_status twa_autograd_grad_of(twa_tensor output, twa_tensor grad_output, const twa_tensor* inputs, int32_t ninputs,
                                int32_t retain_graph, int32_t create_graph, int32_t allow_unused, twa_tensor* out) noexcept {
  TWA_GUARD(
      out_check(out); if (ninputs <= 0 || inputs == nullptr) throw InvalidArgument("need at least one input");
      torch::autograd::variable_list in; in.reserve(static_cast<size_t>(ninputs));
      for (int32_t i = 0; i < ninputs; ++i) in.push_back(T(inputs[i]));
      auto g = opt(grad_output);
      auto grads = torch::autograd::grad({T(output)}, in, g ? torch::autograd::variable_list{*g} : torch::autograd::variable_list{},
                                         retain_graph != 0 ? c10::optional<bool>(true) : c10::nullopt, create_graph != 0,
                                         allow_unused != 0);
      for (int32_t i = 0; i < ninputs; ++i) out[i] = grads[static_cast<size_t>(i)].defined() ? wrap(grads[static_cast<size_t>(i)]) : nullptr);
}

twa_status twa_autograd_set_grad_enabled(int32_t enabled, int32_t* previous) noexcept {
  TWA_GUARD(if (previous != nullptr) *previous = c10::GradMode::is_enabled() ? 1 : 0;
            c10::GradMode::set_enabled(enabled != 0));
}

int32_t twa_autograd_is_grad_enabled(void) noexcept { return c10::GradMode::is_enabled() ? 1 : 0; }

}  // extern "C"
