/*
 * twa_torch.h - the pure-C boundary between TwaOperator's C# code and libtorch.
 *
 * Conventions (see shared/STYLE.md, "The native boundary"):
 *  - Opaque handle types; every handle returned through an out-parameter is owned by the
 *    caller and released with the matching twa_*_free function. Inputs are never consumed.
 *  - Every export is noexcept and returns a twa_status. On failure the message (without a C++
 *    backtrace) is available from twa_last_error() on the same thread until the next failing
 *    call on that thread; the shim owns that buffer.
 *  - Bump TWA_ABI_VERSION whenever a signature or an enum value changes; the C# side refuses
 *    to run against a different version.
 */
#ifndef TWA_TORCH_H
#define TWA_TORCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define TWA_NOEXCEPT noexcept
#else
#define TWA_NOEXCEPT
#endif

#if defined(_WIN32)
#define TWA_API __declspec(dllexport)
#else
#define TWA_API __attribute__((visibility("default")))
#endif

#define TWA_ABI_VERSION 4

typedef int32_t twa_status;
enum {
  TWA_OK = 0,
  TWA_ERR_INVALID_ARGUMENT = 1, /* bad index/value/type: c10::IndexError/ValueError/TypeError or a shim check */
  TWA_ERR_OUT_OF_MEMORY = 2,
  TWA_ERR_TORCH = 3,            /* any other libtorch error (shape mismatch, unsupported device, ...) */
  TWA_ERR_DISTRIBUTED = 4,      /* a collective or store failed (peer lost, connection reset) */
  TWA_ERR_TIMEOUT = 5,          /* a collective or store operation exceeded its timeout */
  TWA_ERR_UNKNOWN = 6
};

/* Element types. Values are part of the ABI. */
enum {
  TWA_DTYPE_U8 = 0, TWA_DTYPE_I32 = 1, TWA_DTYPE_I64 = 2, TWA_DTYPE_F16 = 3,
  TWA_DTYPE_F32 = 4, TWA_DTYPE_F64 = 5, TWA_DTYPE_BF16 = 6, TWA_DTYPE_BOOL = 7
};
/* Device types; a device is (type, index), index -1 = the current/default one. */
enum { TWA_DEVICE_CPU = 0, TWA_DEVICE_CUDA = 1 };

typedef struct twa_tensor_s* twa_tensor;
typedef struct twa_generator_s* twa_generator;
typedef struct twa_store_s* twa_store;
typedef struct twa_pg_s* twa_pg;

/* ---- library ------------------------------------------------------------------------- */
TWA_API int32_t twa_abi_version(void) TWA_NOEXCEPT;
/* Message of the last failing call on this thread ("" if none). Valid until the next failure. */
TWA_API const char* twa_last_error(void) TWA_NOEXCEPT;
/* libtorch version "M.m.p", BLAS/parallel configuration text, and CUDA device count. */
TWA_API twa_status twa_torch_version(const char** out) TWA_NOEXCEPT;
TWA_API twa_status twa_torch_config(const char** out) TWA_NOEXCEPT;
TWA_API twa_status twa_cuda_device_count(int32_t* out) TWA_NOEXCEPT;
TWA_API twa_status twa_nccl_available(int32_t* out) TWA_NOEXCEPT;
/* libtorch's intra-op thread count (at::set_num_threads). The BLAS's own pool is separate (below). */
TWA_API twa_status twa_set_num_threads(int32_t n) TWA_NOEXCEPT;
TWA_API twa_status twa_get_num_threads(int32_t* out) TWA_NOEXCEPT;
/* Thread count of the BLAS's own pool (Debian's libtorch calls a pthread OpenBLAS, whose pool at::set_num_threads
 * does not reach). *applied / *out = -1 when the BLAS loaded is not OpenBLAS (nothing to set). */
TWA_API twa_status twa_set_blas_threads(int32_t n, int32_t* applied) TWA_NOEXCEPT;
TWA_API twa_status twa_get_blas_threads(int32_t* out) TWA_NOEXCEPT;
/* Number of tensor handles created by this library and not yet freed. */
TWA_API int64_t twa_tensor_live_count(void) TWA_NOEXCEPT;
/* Seeds libtorch's global CPU (and CUDA) generators. */
TWA_API twa_status twa_manual_seed(uint64_t seed) TWA_NOEXCEPT;
/* Memory of a device, in bytes. CUDA (builds with CUDA only): the caching allocator's allocated and reserved bytes
 * and the device's total memory. CPU: bytes handed out by malloc (libtorch's CPU allocator), the process's resident
 * set, and the memory it may use (physical memory or the cgroup's limit, the lower). */
TWA_API twa_status twa_device_memory(int32_t device_type, int32_t device_index, int64_t* allocated, int64_t* reserved,
                                     int64_t* total) TWA_NOEXCEPT;
/* Runs `items` work items through the shim's own at::parallel_for (as the projection kernels do) and reports how
 * many distinct threads ran them: catches a shim compiled without OpenMP, whose parallel_for runs on one thread. */
TWA_API twa_status twa_parallel_probe(int64_t items, int32_t* threads) TWA_NOEXCEPT;

/* ---- random generators (explicit seeds) ---------------------------------------------- */
TWA_API twa_status twa_generator_new(uint64_t seed, int32_t device_type, int32_t device_index, twa_generator* out) TWA_NOEXCEPT;
TWA_API void twa_generator_free(twa_generator g) TWA_NOEXCEPT;
TWA_API twa_status twa_generator_get_state(twa_generator g, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_generator_set_state(twa_generator g, twa_tensor state) TWA_NOEXCEPT;

/* ---- tensor: lifetime and metadata --------------------------------------------------- */
TWA_API void twa_tensor_free(twa_tensor t) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_dim(twa_tensor t, int64_t* out) TWA_NOEXCEPT;
/* Writes min(dim, capacity) sizes into out. */
TWA_API twa_status twa_tensor_sizes(twa_tensor t, int64_t* out, int64_t capacity) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_strides(twa_tensor t, int64_t* out, int64_t capacity) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_numel(twa_tensor t, int64_t* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_dtype(twa_tensor t, int32_t* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_device(twa_tensor t, int32_t* type, int32_t* index) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_is_contiguous(twa_tensor t, int32_t* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_data_ptr(twa_tensor t, void** out) TWA_NOEXCEPT;
/* True when both tensors view the same storage. */
TWA_API twa_status twa_tensor_same_storage(twa_tensor a, twa_tensor b, int32_t* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_item(twa_tensor t, double* out) TWA_NOEXCEPT;

/* ---- tensor: creation ---------------------------------------------------------------- */
/* kind: 0 empty, 1 zeros, 2 ones */
TWA_API twa_status twa_tensor_new(int32_t kind, const int64_t* shape, int32_t ndim, int32_t dtype, int32_t device_type,
                                  int32_t device_index, int32_t requires_grad, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_full(const int64_t* shape, int32_t ndim, double value, int32_t dtype, int32_t device_type,
                                   int32_t device_index, twa_tensor* out) TWA_NOEXCEPT;
/* Copies nbytes from host memory into a new contiguous tensor (nbytes must equal numel*itemsize). */
TWA_API twa_status twa_tensor_from_data(const void* data, int64_t nbytes, const int64_t* shape, int32_t ndim, int32_t dtype,
                                        int32_t device_type, int32_t device_index, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_arange(double start, double end, double step, int32_t dtype, int32_t device_type,
                                     int32_t device_index, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_eye(int64_t n, int32_t dtype, int32_t device_type, int32_t device_index, twa_tensor* out) TWA_NOEXCEPT;
/* kind: 0 uniform [0,1), 1 standard normal. gen may be NULL (global generator). */
TWA_API twa_status twa_tensor_random(int32_t kind, const int64_t* shape, int32_t ndim, int32_t dtype, int32_t device_type,
                                     int32_t device_index, twa_generator gen, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_randint(int64_t low, int64_t high, const int64_t* shape, int32_t ndim, int32_t device_type,
                                      int32_t device_index, twa_generator gen, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_randperm(int64_t n, int32_t device_type, int32_t device_index, twa_generator gen, twa_tensor* out) TWA_NOEXCEPT;
/* In place: fill with Bernoulli(p) samples (0/1 in t's dtype). */
TWA_API twa_status twa_tensor_bernoulli_(twa_tensor t, double p, twa_generator gen) TWA_NOEXCEPT;
/* In place: uniform [low, high) / normal(mean, std). */
TWA_API twa_status twa_tensor_uniform_(twa_tensor t, double low, double high, twa_generator gen) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_normal_(twa_tensor t, double mean, double std, twa_generator gen) TWA_NOEXCEPT;

/* ---- tensor: conversion and copies --------------------------------------------------- */
/* Returns t converted to dtype/device (a new tensor handle; may share storage when nothing changes unless copy != 0). */
TWA_API twa_status twa_tensor_to(twa_tensor t, int32_t dtype, int32_t device_type, int32_t device_index, int32_t copy,
                                 twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_contiguous(twa_tensor t, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_clone(twa_tensor t, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_detach(twa_tensor t, twa_tensor* out) TWA_NOEXCEPT;
/* A new handle to the same tensor (same autograd identity). */
TWA_API twa_status twa_tensor_alias(twa_tensor t, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_copy_(twa_tensor dst, twa_tensor src) TWA_NOEXCEPT;
/* Copies a tensor's elements (any device, any layout) into host memory of exactly numel*itemsize bytes. */
TWA_API twa_status twa_tensor_to_host(twa_tensor t, void* dst, int64_t nbytes) TWA_NOEXCEPT;

/* ---- tensor: elementwise ------------------------------------------------------------- */
enum {
  TWA_UNARY_NEG = 0, TWA_UNARY_EXP = 1, TWA_UNARY_LOG = 2, TWA_UNARY_SQRT = 3, TWA_UNARY_RSQRT = 4,
  TWA_UNARY_ABS = 5, TWA_UNARY_SIGN = 6, TWA_UNARY_SIGMOID = 7, TWA_UNARY_TANH = 8, TWA_UNARY_RELU = 9,
  TWA_UNARY_GELU = 10, TWA_UNARY_SIN = 11, TWA_UNARY_COS = 12, TWA_UNARY_RECIPROCAL = 13, TWA_UNARY_SQUARE = 14,
  TWA_UNARY_ISNAN = 15, TWA_UNARY_ISFINITE = 16, TWA_UNARY_ROUND = 17, TWA_UNARY_FLOOR = 18, TWA_UNARY_CEIL = 19,
  TWA_UNARY_LOG1P = 20, TWA_UNARY_GELU_TANH = 21, TWA_UNARY_LOGICAL_NOT = 22
};
TWA_API twa_status twa_tensor_unary(twa_tensor a, int32_t op, twa_tensor* out) TWA_NOEXCEPT;
/* In-place variant (not for the predicates). */
TWA_API twa_status twa_tensor_unary_(twa_tensor a, int32_t op) TWA_NOEXCEPT;

enum {
  TWA_BINARY_ADD = 0, TWA_BINARY_SUB = 1, TWA_BINARY_MUL = 2, TWA_BINARY_DIV = 3, TWA_BINARY_POW = 4,
  TWA_BINARY_MAXIMUM = 5, TWA_BINARY_MINIMUM = 6, TWA_BINARY_EQ = 7, TWA_BINARY_NE = 8, TWA_BINARY_LT = 9,
  TWA_BINARY_LE = 10, TWA_BINARY_GT = 11, TWA_BINARY_GE = 12, TWA_BINARY_ATAN2 = 13, TWA_BINARY_LOGICAL_AND = 14,
  TWA_BINARY_LOGICAL_OR = 15, TWA_BINARY_REMAINDER = 16, TWA_BINARY_BITWISE_AND = 17, TWA_BINARY_BITWISE_OR = 18,
  TWA_BINARY_SHIFT_LEFT = 19, TWA_BINARY_SHIFT_RIGHT = 20 /* bitwise ops: integer tensors only */
};
/* out = a (op) b with broadcasting. For ADD/SUB, alpha scales b. */
TWA_API twa_status twa_tensor_binary(twa_tensor a, twa_tensor b, int32_t op, double alpha, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_binary_(twa_tensor a, twa_tensor b, int32_t op, double alpha) TWA_NOEXCEPT;
/* out = a (op) scalar; for ADD/SUB the scalar is multiplied by alpha. reverse != 0 computes scalar (op) a. */
TWA_API twa_status twa_tensor_binary_scalar(twa_tensor a, double s, int32_t op, int32_t reverse, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_binary_scalar_(twa_tensor a, double s, int32_t op) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_clamp(twa_tensor a, double min, double max, int32_t has_min, int32_t has_max, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_clamp_(twa_tensor a, double min, double max, int32_t has_min, int32_t has_max) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_where(twa_tensor cond, twa_tensor a, twa_tensor b, twa_tensor* out) TWA_NOEXCEPT;
/* a + value * t1 * t2 (in place on a). */
TWA_API twa_status twa_tensor_addcmul_(twa_tensor a, twa_tensor t1, twa_tensor t2, double value) TWA_NOEXCEPT;
/* a + value * t1 / t2 (in place on a). */
TWA_API twa_status twa_tensor_addcdiv_(twa_tensor a, twa_tensor t1, twa_tensor t2, double value) TWA_NOEXCEPT;
/* a += weight * (end - a) (in place). */
TWA_API twa_status twa_tensor_lerp_(twa_tensor a, twa_tensor end, double weight) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_fill_(twa_tensor a, double value) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_zero_(twa_tensor a) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_masked_fill(twa_tensor a, twa_tensor mask, double value, twa_tensor* out) TWA_NOEXCEPT;
/* Raises TWA_ERR_INVALID_ARGUMENT naming `what` when t holds a NaN or an infinity. */
TWA_API twa_status twa_tensor_check_finite(twa_tensor t, const char* what) TWA_NOEXCEPT;

/* ---- tensor: reductions -------------------------------------------------------------- */
enum {
  TWA_REDUCE_SUM = 0, TWA_REDUCE_MEAN = 1, TWA_REDUCE_MAX = 2, TWA_REDUCE_MIN = 3, TWA_REDUCE_PROD = 4,
  TWA_REDUCE_ARGMAX = 5, TWA_REDUCE_ARGMIN = 6, TWA_REDUCE_NORM = 7, TWA_REDUCE_VAR = 8, TWA_REDUCE_STD = 9,
  TWA_REDUCE_ANY = 10, TWA_REDUCE_ALL = 11, TWA_REDUCE_LOGSUMEXP = 12
};
/* Reduces over dims (ndims = 0: all elements). NORM takes p in `param`; VAR/STD take the correction
   (0 = population, 1 = unbiased) in `param`. ARGMAX/ARGMIN accept exactly one dim or none. */
TWA_API twa_status twa_tensor_reduce(twa_tensor a, int32_t op, const int64_t* dims, int32_t ndims, int32_t keepdim,
                                     double param, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_cumsum(twa_tensor a, int64_t dim, twa_tensor* out) TWA_NOEXCEPT;

/* ---- tensor: matmul family ----------------------------------------------------------- */
TWA_API twa_status twa_tensor_matmul(twa_tensor a, twa_tensor b, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_mm(twa_tensor a, twa_tensor b, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_bmm(twa_tensor a, twa_tensor b, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_mv(twa_tensor a, twa_tensor v, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_dot(twa_tensor a, twa_tensor b, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_outer(twa_tensor a, twa_tensor b, twa_tensor* out) TWA_NOEXCEPT;
/* beta * c + alpha * (a @ b) */
TWA_API twa_status twa_tensor_addmm(twa_tensor c, twa_tensor a, twa_tensor b, double beta, double alpha, twa_tensor* out) TWA_NOEXCEPT;
/* out = a @ b written into an existing tensor (no allocation). */
TWA_API twa_status twa_tensor_mm_out(twa_tensor out, twa_tensor a, twa_tensor b) TWA_NOEXCEPT;

/* ---- tensor: shape, indexing, narrowing ---------------------------------------------- */
TWA_API twa_status twa_tensor_view(twa_tensor a, const int64_t* shape, int32_t ndim, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_reshape(twa_tensor a, const int64_t* shape, int32_t ndim, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_expand(twa_tensor a, const int64_t* shape, int32_t ndim, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_permute(twa_tensor a, const int64_t* dims, int32_t ndim, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_transpose(twa_tensor a, int64_t d0, int64_t d1, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_flatten(twa_tensor a, int64_t start_dim, int64_t end_dim, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_unsqueeze(twa_tensor a, int64_t dim, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_squeeze(twa_tensor a, int64_t dim, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_narrow(twa_tensor a, int64_t dim, int64_t start, int64_t length, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_select(twa_tensor a, int64_t dim, int64_t index, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_index_select(twa_tensor a, int64_t dim, twa_tensor index, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_gather(twa_tensor a, int64_t dim, twa_tensor index, twa_tensor* out) TWA_NOEXCEPT;
/* In place: a.index_copy_(dim, index, src) / a.index_add_(dim, index, src). */
TWA_API twa_status twa_tensor_index_copy_(twa_tensor a, int64_t dim, twa_tensor index, twa_tensor src) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_index_add_(twa_tensor a, int64_t dim, twa_tensor index, twa_tensor src) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_cat(const twa_tensor* tensors, int32_t count, int64_t dim, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_stack(const twa_tensor* tensors, int32_t count, int64_t dim, twa_tensor* out) TWA_NOEXCEPT;
/* kind: 0 tril, 1 triu */
TWA_API twa_status twa_tensor_tri(twa_tensor a, int32_t kind, int64_t diagonal, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_tensor_diag(twa_tensor a, int64_t diagonal, twa_tensor* out) TWA_NOEXCEPT;
/* flip along the given dims */
TWA_API twa_status twa_tensor_flip(twa_tensor a, const int64_t* dims, int32_t ndims, twa_tensor* out) TWA_NOEXCEPT;
/* constant pad, pads = [left_last, right_last, left_prev, right_prev, ...] as in torch.nn.functional.pad */
TWA_API twa_status twa_tensor_pad(twa_tensor a, const int64_t* pads, int32_t npads, double value, twa_tensor* out) TWA_NOEXCEPT;

/* ---- autograd ------------------------------------------------------------------------ */
TWA_API twa_status twa_autograd_requires_grad(twa_tensor t, int32_t* out) TWA_NOEXCEPT;
TWA_API twa_status twa_autograd_set_requires_grad(twa_tensor t, int32_t value) TWA_NOEXCEPT;
/* Gradient of a leaf; *out = NULL when it has none. */
TWA_API twa_status twa_autograd_grad(twa_tensor t, twa_tensor* out) TWA_NOEXCEPT;
/* Makes `grad` the .grad of `t` (aliasing; autograd then accumulates into it in place). grad may be NULL (reset). */
TWA_API twa_status twa_autograd_set_grad(twa_tensor t, twa_tensor grad) TWA_NOEXCEPT;
/* t.set_data(data): t keeps its autograd identity but now views data's storage. */
TWA_API twa_status twa_autograd_set_data(twa_tensor t, twa_tensor data) TWA_NOEXCEPT;
/* Backward from a tensor; grad_output may be NULL for a scalar. */
TWA_API twa_status twa_autograd_backward(twa_tensor t, twa_tensor grad_output, int32_t retain_graph) TWA_NOEXCEPT;
/* Gradients of output w.r.t. inputs (torch::autograd::grad); out[i] is NULL for an unused input when allow_unused. */
TWA_API twa_status twa_autograd_grad_of(twa_tensor output, twa_tensor grad_output, const twa_tensor* inputs, int32_t ninputs,
                                        int32_t retain_graph, int32_t create_graph, int32_t allow_unused, twa_tensor* out) TWA_NOEXCEPT;
/* Thread-local grad mode; *previous receives the former state. */
TWA_API twa_status twa_autograd_set_grad_enabled(int32_t enabled, int32_t* previous) TWA_NOEXCEPT;
TWA_API int32_t twa_autograd_is_grad_enabled(void) TWA_NOEXCEPT;

/* ---- nn functional ------------------------------------------------------------------- */
/* bias may be NULL */
TWA_API twa_status twa_nn_linear(twa_tensor x, twa_tensor w, twa_tensor bias, twa_tensor* out) TWA_NOEXCEPT;
/* stride/padding/dilation are 2-element arrays */
TWA_API twa_status twa_nn_conv2d(twa_tensor x, twa_tensor w, twa_tensor bias, const int64_t* stride, const int64_t* padding,
                                 const int64_t* dilation, int64_t groups, twa_tensor* out) TWA_NOEXCEPT;
/* weight/bias/running_mean/running_var may be NULL. In training mode the running buffers are updated in place with
   `momentum` in [0, 1] (a cumulative average is momentum = b/(n+b) per batch, chosen by the caller). */
TWA_API twa_status twa_nn_batch_norm(twa_tensor x, twa_tensor weight, twa_tensor bias, twa_tensor running_mean,
                                     twa_tensor running_var, int32_t training, double momentum, double eps,
                                     twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_nn_layer_norm(twa_tensor x, const int64_t* normalized_shape, int32_t ndim, twa_tensor weight,
                                     twa_tensor bias, double eps, twa_tensor* out) TWA_NOEXCEPT;
/* kind: 0 max, 1 avg; kernel/stride/padding are 2-element arrays */
TWA_API twa_status twa_nn_pool2d(twa_tensor x, int32_t kind, const int64_t* kernel, const int64_t* stride,
                                 const int64_t* padding, int32_t ceil_mode, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_nn_adaptive_avg_pool2d(twa_tensor x, int64_t out_h, int64_t out_w, twa_tensor* out) TWA_NOEXCEPT;
/* Inverted dropout with an explicit generator (NULL = global). Identity when !training or p == 0. */
TWA_API twa_status twa_nn_dropout(twa_tensor x, double p, int32_t training, twa_generator gen, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_nn_embedding(twa_tensor weight, twa_tensor indices, twa_tensor* out) TWA_NOEXCEPT;
/* kind: 0 softmax, 1 log_softmax */
TWA_API twa_status twa_nn_softmax(twa_tensor x, int64_t dim, int32_t kind, twa_tensor* out) TWA_NOEXCEPT;
/* reduction: 0 none, 1 mean, 2 sum. target holds class indices (i64). */
TWA_API twa_status twa_nn_cross_entropy(twa_tensor logits, twa_tensor target, int32_t reduction, double label_smoothing,
                                        twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_nn_nll_loss(twa_tensor log_probs, twa_tensor target, int32_t reduction, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_nn_mse_loss(twa_tensor x, twa_tensor target, int32_t reduction, twa_tensor* out) TWA_NOEXCEPT;

/* ---- linalg -------------------------------------------------------------------------- */
TWA_API twa_status twa_linalg_svdvals(twa_tensor a, twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_linalg_svd(twa_tensor a, int32_t full_matrices, twa_tensor* u, twa_tensor* s, twa_tensor* vh) TWA_NOEXCEPT;
/* Eigenvalues ascending; upper != 0 uses the upper triangle. */
TWA_API twa_status twa_linalg_eigh(twa_tensor a, int32_t upper, twa_tensor* eigenvalues, twa_tensor* eigenvectors) TWA_NOEXCEPT;
TWA_API twa_status twa_linalg_cholesky(twa_tensor a, int32_t upper, twa_tensor* out) TWA_NOEXCEPT;
/* Solves A X = B (left != 0) or X A = B with triangular A. */
TWA_API twa_status twa_linalg_solve_triangular(twa_tensor a, twa_tensor b, int32_t upper, int32_t left, int32_t unitriangular,
                                               twa_tensor* out) TWA_NOEXCEPT;
TWA_API twa_status twa_linalg_qr(twa_tensor a, twa_tensor* q, twa_tensor* r) TWA_NOEXCEPT;
TWA_API twa_status twa_linalg_inv(twa_tensor a, twa_tensor* out) TWA_NOEXCEPT;

/* ---- distributed (c10d) -------------------------------------------------------------- */
/* A TCPStore; is_server != 0 hosts it in this process (port 0 = a free port, see twa_store_port). world_size < 0 =
   unknown. timeout in ms bounds get/wait and group rendezvous; connecting (clients retry while the server is not up
   yet) waits at least 1 s, libtorch 1.13's resolution. The server lives while any handle to it does (prefix views
   and process groups hold one). */
TWA_API twa_status twa_store_tcp_new(const char* host, int32_t port, int32_t world_size, int32_t is_server,
                                     int64_t timeout_ms, twa_store* out) TWA_NOEXCEPT;
/* The port actually bound (useful with port 0 on the server). */
TWA_API twa_status twa_store_port(twa_store s, int32_t* out) TWA_NOEXCEPT;
/* A view of `s` where every key gets `prefix` (e.g. one per generation). */
TWA_API twa_status twa_store_prefix_new(twa_store s, const char* prefix, twa_store* out) TWA_NOEXCEPT;
TWA_API void twa_store_free(twa_store s) TWA_NOEXCEPT;
TWA_API twa_status twa_store_set(twa_store s, const char* key, const uint8_t* value, int64_t len) TWA_NOEXCEPT;
/* Blocks up to the store timeout (then TWA_ERR_TIMEOUT, "Socket Timeout"). *value is a buffer owned by the shim
   until the next get on this thread. */
TWA_API twa_status twa_store_get(twa_store s, const char* key, const uint8_t** value, int64_t* len) TWA_NOEXCEPT;
TWA_API twa_status twa_store_add(twa_store s, const char* key, int64_t delta, int64_t* out) TWA_NOEXCEPT;

/* backend: 0 gloo, 1 nccl (TWA_ERR_INVALID_ARGUMENT when not compiled in). timeout applies to every collective.
   bind_address: the address (or, prefixed with "if:", the interface name) Gloo's transport binds to; NULL =
   resolve this host's name. Blocks until all `size` ranks joined (store timeout). Use a fresh store or prefix
   per group.
   Collectives: tensors must be contiguous, at least 1-D, and (Gloo, libtorch 1.13) not Bool/BFloat16; AVG needs
   a floating-point tensor; these and count/shape checks fail with TWA_ERR_INVALID_ARGUMENT on the calling rank
   before anything is sent, and the group stays usable. Zero-element collectives return without communicating.
   A lost peer fails the collective with TWA_ERR_DISTRIBUTED (connection closed/reset), a silent one with
   TWA_ERR_TIMEOUT after `timeout`; the message names the op, rank, size and limit. After either, free the group
   with abort != 0 and build a new one. */
TWA_API twa_status twa_pg_new(twa_store s, int32_t rank, int32_t size, int32_t backend, int64_t timeout_ms,
                              const char* bind_address, twa_pg* out) TWA_NOEXCEPT;
/* Frees the group. abort == 0 waits for pending work (at most the timeout); abort != 0 returns at once and
   abandons pending work (NCCL: communicators aborted; Gloo: torn down on a background thread). */
TWA_API void twa_pg_free(twa_pg pg, int32_t abort) TWA_NOEXCEPT;
TWA_API twa_status twa_pg_rank(twa_pg pg, int32_t* out) TWA_NOEXCEPT;
TWA_API twa_status twa_pg_size(twa_pg pg, int32_t* out) TWA_NOEXCEPT;
enum { TWA_REDOP_SUM = 0, TWA_REDOP_AVG = 1, TWA_REDOP_MIN = 2, TWA_REDOP_MAX = 3 };
/* In place on t. */
TWA_API twa_status twa_pg_allreduce(twa_pg pg, twa_tensor t, int32_t op) TWA_NOEXCEPT;
/* input is split along dim 0 into `size` chunks of counts[r] rows each (counts may be NULL: equal split);
   rank r receives the reduction of every rank's chunk r in output (counts[r] rows, same dtype and trailing shape).
   Gloo has no reduce_scatter in 1.13: implemented as alltoall_base + a local reduction. */
TWA_API twa_status twa_pg_reduce_scatter(twa_pg pg, twa_tensor output, twa_tensor input, const int64_t* counts,
                                         int32_t op) TWA_NOEXCEPT;
/* Concatenates every rank's input (counts[r] rows, along dim 0; NULL = equal) into output, in rank order.
   Uneven counts are padded to the largest chunk on the wire. */
TWA_API twa_status twa_pg_allgather(twa_pg pg, twa_tensor output, twa_tensor input, const int64_t* counts) TWA_NOEXCEPT;
TWA_API twa_status twa_pg_broadcast(twa_pg pg, twa_tensor t, int32_t root) TWA_NOEXCEPT;
TWA_API twa_status twa_pg_barrier(twa_pg pg) TWA_NOEXCEPT;

/* ---- TWA projection kernels (fused dequantisation) ----------------------------------- */
#define TWA_PROJECTION_TILE_COLUMNS 2048
/* The centred TWA basis P (n x D, QuantizedBasis) read in place: `basis` is uint8 [n, W] with W >= ceil(D*bits/8)
   holding codes of `bits` (1..8) bits packed LSB-first (column j of a row at bits [j*bits, (j+1)*bits) of the row),
   TILED: the columns form tiles of TWA_PROJECTION_TILE_COLUMNS; the bytes of the F = floor(D / TILE) whole tiles
   come first, tile by tile, each tile holding its TILE*bits/8 bytes of row 0, then of row 1, ...; then the last
   W - F*TILE*bits/8 bytes of every row (the partial tile and any padding), row after row. With D < TILE that is the
   plain row-major layout. Each tile is one contiguous stream for the kernels.
   P[i, j] = code * scale[i, b] + low[i, b] for column j in block b, scale and low float32 [n, L]; or, for bits 16 /
   32, float16 / float32 [n, D] holding P itself (scale and low ignored, may be NULL). `segments` int64 [S, 3]: rows
   (block, first column, length) in increasing column order, not overlapping, inside [0, columns): the columns a call
   covers. L is taken from grad_x / x. Every tensor must be a contiguous CPU tensor (other devices: use tensor ops).
   Each call reads every covered code once and allocates no n x D temporary; it runs on libtorch's intra-op threads
   and its result does not depend on their number.
   twa_projection_gradient: grad_x float32 [n, L] <- sum over the covered columns j of block b of P[i, j] * g[j]
     (0 for a block without covered columns); g float32 [columns]. Sums are accumulated in double.
   twa_projection_reconstruct: out[j] <- center[j] + sum_i P[i, j] * x[i, block(j)] for every covered j; other
     entries of out are left as they are. center, out float32 [columns] (out may be center); x float32 [n, L]. */
TWA_API twa_status twa_projection_gradient(twa_tensor basis, int32_t bits, int64_t columns, twa_tensor scale, twa_tensor low,
                                           twa_tensor segments, twa_tensor g, twa_tensor grad_x) TWA_NOEXCEPT;
TWA_API twa_status twa_projection_reconstruct(twa_tensor basis, int32_t bits, int64_t columns, twa_tensor scale,
                                              twa_tensor low, twa_tensor segments, twa_tensor center, twa_tensor x,
                                              twa_tensor out) TWA_NOEXCEPT;
/* The kernels' instruction set. Values are part of the ABI. AVX-512 serves the widths 1, 2, 4 and 8 bits (the bit
   planes); the other widths use AVX2 under it. Results agree between sets to rounding (f32 partial sums in another
   order), and within one set they do not depend on the thread count. */
enum { TWA_ISA_SCALAR = 0, TWA_ISA_AVX2 = 1, TWA_ISA_AVX512 = 2 };
/* The set calls from this thread use, and the best this CPU (and OS) supports. */
TWA_API twa_status twa_projection_isa(int32_t* current, int32_t* best) TWA_NOEXCEPT;
/* Calls made from the calling thread use `isa` from now on (at most the best; -1 = back to the process's set; other
   threads are unaffected). For tests and benchmarks that compare the sets on one machine. */
TWA_API twa_status twa_projection_set_isa(int32_t isa) TWA_NOEXCEPT;
/* The set of every thread that has not chosen its own (at most the best; -1 = the best, the default): pins a process,
   e.g. to AVX2 so that ranks on AVX2 and AVX-512 nodes sum in the same order. */
TWA_API twa_status twa_projection_set_process_isa(int32_t isa) TWA_NOEXCEPT;

#ifdef __cplusplus
}
#endif
#endif /* TWA_TORCH_H */
