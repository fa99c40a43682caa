// c10d exports: TCPStore / PrefixStore and a process group (Gloo; NCCL when compiled in) with
// timeouts on every collective and an abort path, so a group can be rebuilt in the same process.
#include "common.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <thread>

using namespace twa;

struct twa_store_s {
  c10::intrusive_ptr<c10d::Store> store;
  int32_t port = -1;
};

// libtorch 1.13: ProcessGroupGloo/NCCL derive from c10d::ProcessGroup. From 2.0 they derive from c10d::Backend
// (ProcessGroup became a dispatching wrapper). Both expose the collectives we call with the same signatures.
#if TORCH_VERSION_MAJOR >= 2
using twa_pg_base = c10d::Backend;
#else
using twa_pg_base = c10d::ProcessGroup;
#endif

struct twa_pg_s {
  c10::intrusive_ptr<twa_pg_base> pg;
  std::chrono::milliseconds timeout;
  int32_t backend = 0;
};

namespace {

thread_local std::vector<uint8_t> get_buffer;

c10d::Store& S(twa_store s) {
  if (s == nullptr) throw InvalidArgument("store handle is null");
  return *s->store;
}
twa_pg_s& PG(twa_pg pg) {
  if (pg == nullptr) throw InvalidArgument("process group handle is null");
  return *pg;
}
std::chrono::milliseconds timeout_of(int64_t ms) {
  if (ms <= 0) throw InvalidArgument("timeout must be > 0 ms, got " + std::to_string(ms));
  return std::chrono::milliseconds(ms);
}

// Waits for `work`, prefixing any failure with the collective and the group so the message stands on its own
// ("allreduce failed on rank 0 of 3 (limit 3000 ms): Connection closed by peer ..."). The prefix avoids the
// words the status mapping reads as a timeout, so the status still follows libtorch's message.
void wait(twa_pg_s& g, const c10::intrusive_ptr<c10d::Work>& work, const char* op) {
  auto where = [&] {
    return std::string(op) + " failed on rank " + std::to_string(g.pg->getRank()) + " of " + std::to_string(g.pg->getSize()) +
           " (limit " + std::to_string(g.timeout.count()) + " ms): ";
  };
  bool done = false;
  try {
    done = work->wait(g.timeout);
  } catch (const c10::Error& e) {
    throw std::runtime_error(where() + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw std::runtime_error(where() + e.what());
  }
  if (!done) throw std::runtime_error(where() + "timed out");
}

c10d::ReduceOp native_op(int32_t op) {
  switch (op) {
    case TWA_REDOP_SUM:
    case TWA_REDOP_AVG: return c10d::ReduceOp(c10d::ReduceOp::SUM);  // AVG = SUM / size (Gloo has no AVG)
    case TWA_REDOP_MIN: return c10d::ReduceOp(c10d::ReduceOp::MIN);
    case TWA_REDOP_MAX: return c10d::ReduceOp(c10d::ReduceOp::MAX);
    default: throw InvalidArgument("unknown reduce op code " + std::to_string(op));
  }
}

void check_collective_tensor(const twa_pg_s& g, const at::Tensor& t, const char* what) {
  if (!t.is_contiguous()) throw InvalidArgument(std::string(what) + " must be contiguous");
  if (t.dim() == 0) throw InvalidArgument(std::string(what) + " must have at least one dimension");
#if TORCH_VERSION_MAJOR < 2
  // Gloo's type dispatch in libtorch 1.13 has no Bool or BFloat16 case: the work fails with "Invalid scalar
  // type" after it was queued. Verified on 1.13 only, so newer libtorch versions are left to dispatch.
  if (g.backend == 0 && (t.scalar_type() == at::kBool || t.scalar_type() == at::kBFloat16))
    throw InvalidArgument(std::string("gloo in libtorch ") + TORCH_VERSION + " cannot reduce or send " + c10::toString(t.scalar_type()) +
                          " tensors (" + what + "); convert to UInt8 or Float32 first");
#endif
}

// AVG is SUM followed by a division: reject integer tensors before anything is sent (the division would
// fail after the data was already summed).
void check_op_for(int32_t op, const at::Tensor& t, const char* what) {
  native_op(op);
  if (op == TWA_REDOP_AVG && !at::isFloatingType(t.scalar_type()))
    throw InvalidArgument(std::string("average needs a floating-point ") + what + ", got " + c10::toString(t.scalar_type()));
}

// Output and input of reduce_scatter/allgather differ only in their number of rows.
void check_same_rows_layout(const at::Tensor& output, const at::Tensor& input, const char* what) {
  if (output.scalar_type() != input.scalar_type() || output.device() != input.device())
    throw InvalidArgument(std::string(what) + " output is " + c10::toString(output.scalar_type()) + " on " + output.device().str() +
                          " but the input is " + c10::toString(input.scalar_type()) + " on " + input.device().str());
  if (output.dim() != input.dim() || !std::equal(output.sizes().begin() + 1, output.sizes().end(), input.sizes().begin() + 1))
    throw InvalidArgument(std::string(what) + " output has shape " + c10::str(output.sizes()) + " but the input has shape " +
                          c10::str(input.sizes()) + "; they may differ only in dim 0");
}

std::vector<int64_t> counts_of(const int64_t* counts, int32_t size, int64_t rows, const char* what) {
  std::vector<int64_t> c(static_cast<size_t>(size));
  if (counts == nullptr) {
    if (rows % size != 0)
      throw InvalidArgument(std::string(what) + " has " + std::to_string(rows) + " rows, not divisible by the group size " +
                            std::to_string(size) + "; pass explicit counts");
    std::fill(c.begin(), c.end(), rows / size);
    return c;
  }
  int64_t total = 0;
  for (int32_t r = 0; r < size; ++r) {
    if (counts[r] < 0) throw InvalidArgument("negative count for rank " + std::to_string(r));
    c[static_cast<size_t>(r)] = counts[r];
    total += counts[r];
  }
  if (total != rows)
    throw InvalidArgument(std::string(what) + " has " + std::to_string(rows) + " rows but the counts add up to " + std::to_string(total));
  return c;
}

std::vector<int64_t> shape_with_rows(const at::Tensor& t, int64_t rows) {
  auto s = t.sizes().vec();
  s[0] = rows;
  return s;
}

}  // namespace

extern "C" {

twa_status twa_store_tcp_new(const char* host, int32_t port, int32_t world_size, int32_t is_server, int64_t timeout_ms,
                             twa_store* out) noexcept {
  TWA_DIST_GUARD(
      out_check(out); if (host == nullptr) throw InvalidArgument("store host is null");
      if (port < 0 || port > 65535) throw InvalidArgument("store port " + std::to_string(port) + " is out of range");
      c10d::TCPStoreOptions o; o.port = static_cast<uint16_t>(port); o.isServer = is_server != 0;
      if (world_size > 0) o.numWorkers = static_cast<size_t>(world_size);
      // libtorch 1.13 connects with a deadline in whole seconds: a sub-second timeout fails at once ("timed out
      // after 0s while trying to connect"). Connect with at least 1 s, then apply the requested timeout.
      const auto timeout = timeout_of(timeout_ms);
      o.waitWorkers = false; o.timeout = std::max(timeout, std::chrono::milliseconds(std::chrono::seconds(1)));
      auto store = c10::make_intrusive<c10d::TCPStore>(std::string(host), o);
      store->setTimeout(timeout);
      const int32_t bound = static_cast<int32_t>(store->getPort());
      *out = new twa_store_s{store, bound});
}

twa_status twa_store_port(twa_store s, int32_t* out) noexcept {
  TWA_GUARD(out_check(out); if (s == nullptr) throw InvalidArgument("store handle is null"); *out = s->port);
}

twa_status twa_store_prefix_new(twa_store s, const char* prefix, twa_store* out) noexcept {
  TWA_GUARD(out_check(out); if (prefix == nullptr) throw InvalidArgument("prefix is null"); S(s);
            *out = new twa_store_s{c10::make_intrusive<c10d::PrefixStore>(std::string(prefix), s->store), s->port});
}

void twa_store_free(twa_store s) noexcept { delete s; }

twa_status twa_store_set(twa_store s, const char* key, const uint8_t* value, int64_t len) noexcept {
  TWA_DIST_GUARD(if (key == nullptr) throw InvalidArgument("key is null");
                 if (len < 0 || (len > 0 && value == nullptr)) throw InvalidArgument("bad value buffer");
                 S(s).set(key, std::vector<uint8_t>(value, value + len)));
}

twa_status twa_store_get(twa_store s, const char* key, const uint8_t** value, int64_t* len) noexcept {
  TWA_DIST_GUARD(out_check(value); out_check(len); if (key == nullptr) throw InvalidArgument("key is null");
                 get_buffer = S(s).get(key); *value = get_buffer.data(); *len = static_cast<int64_t>(get_buffer.size()));
}

twa_status twa_store_add(twa_store s, const char* key, int64_t delta, int64_t* out) noexcept {
  TWA_DIST_GUARD(out_check(out); if (key == nullptr) throw InvalidArgument("key is null"); *out = S(s).add(key, delta));
}

twa_status twa_pg_new(twa_store s, int32_t rank, int32_t size, int32_t backend, int64_t timeout_ms, const char* bind_address,
                      twa_pg* out) noexcept {
  TWA_DIST_GUARD(
      out_check(out); S(s);
      if (size < 1) throw InvalidArgument("group size must be >= 1, got " + std::to_string(size));
      if (rank < 0 || rank >= size) throw InvalidArgument("rank " + std::to_string(rank) + " is outside [0, " + std::to_string(size) + ")");
      auto timeout = timeout_of(timeout_ms);
      if (backend == 0) {
        auto o = c10d::ProcessGroupGloo::Options::create();
        o->timeout = timeout;
        std::string bind = bind_address == nullptr ? "" : bind_address;
        if (bind.rfind("if:", 0) == 0) o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(bind.substr(3)));
        else if (!bind.empty()) o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(bind));
        else o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        *out = new twa_pg_s{c10::make_intrusive<c10d::ProcessGroupGloo>(s->store, rank, size, o), timeout, 0};
      } else if (backend == 1) {
#ifdef USE_C10D_NCCL
        auto o = c10d::ProcessGroupNCCL::Options::create();
        o->timeout = timeout;
        *out = new twa_pg_s{c10::make_intrusive<c10d::ProcessGroupNCCL>(s->store, rank, size, o), timeout, 1};
#else
        throw InvalidArgument("the nccl backend is not available: this shim was built without CUDA/NCCL (use gloo)");
#endif
      } else {
        throw InvalidArgument("unknown backend code " + std::to_string(backend));
      });
}

void twa_pg_free(twa_pg pg, int32_t abort) noexcept {
  if (pg == nullptr) return;
  try {
    if (abort != 0) {
#if defined(USE_C10D_NCCL) && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 2))
      if (pg->backend == 1) {
        auto* nccl = dynamic_cast<c10d::ProcessGroupNCCL*>(pg->pg.get());
        if (nccl != nullptr) nccl->abort();
      }
#endif
      // Tear down on a background thread: the destructor may wait for work stuck on a dead peer.
      std::thread([p = std::move(pg->pg)]() mutable { p.reset(); }).detach();
    }
  } catch (...) {
    // Nothing to report through: freeing never fails from the caller's point of view.
  }
  delete pg;
}

twa_status twa_pg_rank(twa_pg pg, int32_t* out) noexcept { TWA_GUARD(out_check(out); *out = PG(pg).pg->getRank()); }
twa_status twa_pg_size(twa_pg pg, int32_t* out) noexcept { TWA_GUARD(out_check(out); *out = PG(pg).pg->getSize()); }

twa_status twa_pg_allreduce(twa_pg pg, twa_tensor t, int32_t op) noexcept {
  TWA_DIST_GUARD(
      auto& g = PG(pg); auto& x = T(t); check_collective_tensor(g, x, "allreduce tensor"); check_op_for(op, x, "tensor");
      if (x.numel() == 0) return TWA_OK;  // nothing to exchange (every rank has the same shape)
      c10d::AllreduceOptions o; o.reduceOp = native_op(op); o.timeout = g.timeout;
      std::vector<at::Tensor> v{x}; wait(g, g.pg->allreduce(v, o), "allreduce");
      if (op == TWA_REDOP_AVG) x.div_(g.pg->getSize()));
}

twa_status twa_pg_reduce_scatter(twa_pg pg, twa_tensor output, twa_tensor input, const int64_t* counts, int32_t op) noexcept {
  TWA_DIST_GUARD(
      auto& g = PG(pg); auto& in = T(input); auto& outp = T(output);
      check_collective_tensor(g, in, "reduce_scatter input"); check_collective_tensor(g, outp, "reduce_scatter output");
      check_op_for(op, in, "input"); check_same_rows_layout(outp, in, "reduce_scatter");
      const int32_t size = g.pg->getSize(); const int32_t rank = g.pg->getRank();
      auto c = counts_of(counts, size, in.size(0), "reduce_scatter input");
      const int64_t mine = c[static_cast<size_t>(rank)];
      if (outp.size(0) != mine)
        throw InvalidArgument("reduce_scatter output has " + std::to_string(outp.size(0)) + " rows but this rank's chunk is " +
                              std::to_string(mine) + " rows of the input");
      if (in.numel() == 0) return TWA_OK;  // no rows or empty rows on every rank: nothing to exchange
      // Every rank sends chunk r to rank r (all-to-all) and reduces the `size` chunks it receives:
      // (size-1)/size of the input leaves each rank, the same volume as a ring reduce-scatter.
      at::Tensor recv = at::empty(shape_with_rows(in, mine * size), in.options());
      std::vector<int64_t> out_splits(static_cast<size_t>(size), mine);
      c10d::AllToAllOptions o; o.timeout = g.timeout;
      wait(g, g.pg->alltoall_base(recv, in, out_splits, c, o), "reduce_scatter");
      auto piece_shape = in.sizes().vec(); piece_shape[0] = mine; piece_shape.insert(piece_shape.begin(), size);
      auto pieces = recv.view(piece_shape);
      switch (op) {
        case TWA_REDOP_SUM: at::sum_out(outp, pieces, {0}); break;
        case TWA_REDOP_AVG: at::sum_out(outp, pieces, {0}); outp.div_(size); break;
        case TWA_REDOP_MIN: at::amin_out(outp, pieces, {0}); break;
        case TWA_REDOP_MAX: at::amax_out(outp, pieces, {0}); break;
        default: throw InvalidArgument("unknown reduce op code " + std::to_string(op));
      });
}

twa_status twa_pg_allgather(twa_pg pg, twa_tensor output, twa_tensor input, const int64_t* counts) noexcept {
  TWA_DIST_GUARD(
      auto& g = PG(pg); auto& in = T(input); auto& outp = T(output);
      check_collective_tensor(g, in, "allgather input"); check_collective_tensor(g, outp, "allgather output");
      check_same_rows_layout(outp, in, "allgather");
      const int32_t size = g.pg->getSize(); const int32_t rank = g.pg->getRank();
      auto c = counts_of(counts, size, outp.size(0), "allgather output");
      if (in.size(0) != c[static_cast<size_t>(rank)])
        throw InvalidArgument("allgather input has " + std::to_string(in.size(0)) + " rows but this rank's count is " +
                              std::to_string(c[static_cast<size_t>(rank)]));
      const int64_t maxc = *std::max_element(c.begin(), c.end());
      if (maxc == 0 || outp.numel() == 0) return TWA_OK;  // every chunk is empty: nothing to exchange
      const bool even = std::all_of(c.begin(), c.end(), [&](int64_t v) { return v == maxc; });
      at::Tensor send = in;
      if (!even) {  // Gloo's allgather needs equal sizes: pad to the largest chunk.
        send = at::zeros(shape_with_rows(in, maxc), in.options());
        send.narrow(0, 0, in.size(0)).copy_(in);
      }
      at::Tensor recv = even ? outp : at::empty(shape_with_rows(in, maxc * size), in.options());
      std::vector<at::Tensor> outs; outs.reserve(static_cast<size_t>(size));
      for (int32_t r = 0; r < size; ++r) outs.push_back(recv.narrow(0, r * maxc, maxc));
      std::vector<std::vector<at::Tensor>> outputs{outs}; std::vector<at::Tensor> inputs{send};
      c10d::AllgatherOptions o; o.timeout = g.timeout;
      wait(g, g.pg->allgather(outputs, inputs, o), "allgather");
      if (!even) {
        int64_t off = 0;
        for (int32_t r = 0; r < size; ++r) {
          const int64_t n = c[static_cast<size_t>(r)];
          outp.narrow(0, off, n).copy_(recv.narrow(0, r * maxc, n));
          off += n;
        }
      });
}

twa_status twa_pg_broadcast(twa_pg pg, twa_tensor t, int32_t root) noexcept {
  TWA_DIST_GUARD(
      auto& g = PG(pg); auto& x = T(t); check_collective_tensor(g, x, "broadcast tensor");
      if (root < 0 || root >= g.pg->getSize()) throw InvalidArgument("broadcast root " + std::to_string(root) + " is outside the group");
      if (x.numel() == 0) return TWA_OK;
      c10d::BroadcastOptions o; o.rootRank = root; o.timeout = g.timeout;
      std::vector<at::Tensor> v{x}; wait(g, g.pg->broadcast(v, o), "broadcast"));
}

twa_status twa_pg_barrier(twa_pg pg) noexcept {
  TWA_DIST_GUARD(auto& g = PG(pg); c10d::BarrierOptions o; o.timeout = g.timeout; wait(g, g.pg->barrier(o), "barrier"));
}

}  // extern "C"
