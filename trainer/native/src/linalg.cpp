// linalg exports (differentiable where libtorch defines a derivative).
#include "common.h"

using namespace twa;

extern "C" {

twa_status twa_linalg_svdvals(twa_tensor a, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(at::linalg_svdvals(T(a)))); }

twa_status twa_linalg_svd(twa_tensor a, int32_t full_matrices, twa_tensor* u, twa_tensor* s, twa_tensor* vh) noexcept {
  TWA_GUARD(out_check(u); out_check(s); out_check(vh); auto r = at::linalg_svd(T(a), full_matrices != 0);
            *u = wrap(std::get<0>(r)); *s = wrap(std::get<1>(r)); *vh = wrap(std::get<2>(r)));
}

twa_status twa_linalg_eigh(twa_tensor a, int32_t upper, twa_tensor* eigenvalues, twa_tensor* eigenvectors) noexcept {
  TWA_GUARD(out_check(eigenvalues); out_check(eigenvectors); auto r = at::linalg_eigh(T(a), upper != 0 ? "U" : "L");
            *eigenvalues = wrap(std::get<0>(r)); *eigenvectors = wrap(std::get<1>(r)));
}

twa_status twa_linalg_cholesky(twa_tensor a, int32_t upper, twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::linalg_cholesky(T(a), upper != 0)));
}

twa_status twa_linalg_solve_triangular(twa_tensor a, twa_tensor b, int32_t upper, int32_t left, int32_t unitriangular,
                                       twa_tensor* out) noexcept {
  TWA_GUARD(out_check(out); *out = wrap(at::linalg_solve_triangular(T(a), T(b), upper != 0, left != 0, unitriangular != 0)));
}

twa_status twa_linalg_qr(twa_tensor a, twa_tensor* q, twa_tensor* r) noexcept {
  TWA_GUARD(out_check(q); out_check(r); auto res = at::linalg_qr(T(a), "reduced");
            *q = wrap(std::get<0>(res)); *r = wrap(std::get<1>(res)));
}

twa_status twa_linalg_inv(twa_tensor a, twa_tensor* out) noexcept { TWA_GUARD(out_check(out); *out = wrap(at::linalg_inv(T(a)))); }

}  // extern "C"
