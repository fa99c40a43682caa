using Twa.Torch;

namespace Twa.Cli.Bench;

/// <summary>The C# side of benchmark (b): the cost of one call on 1-element f32 tensors, where libtorch's
/// own work is tiny and the binding's share (P/Invoke, SafeHandle marshalling, the managed
/// <see cref="Tensor"/> object, scope registration, disposal) shows. Mirrors bench_tiny_ops in
/// trainer/native/bench/matmul_ref.cpp. Must run with no <see cref="TensorScope"/> active.</summary>
internal static class TinyOpBench
{
    /// <summary>ns per call of each variant (see <see cref="TinyOpSamples"/>), each after untimed calls for
    /// at least <paramref name="warmup"/> (one batch at least).</summary>
    public static TinyOpSamples Run(BenchSettings settings, TimeSpan warmup)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var a = Tensors.Ones([1]);
        using var b = Tensors.Ones([1]);
        var scopeSize = BenchSettings.ScopeSize;

        var addScope = Timing.NsPerCall(settings.TinyCalls, settings.TinySamples, warmup, calls =>
        {
            for (var done = 0; done < calls; done += scopeSize)
            {
                using var scope = new TensorScope();
                for (var i = 0; i < scopeSize; i++)
                {
                    _ = a.Add(b);
                }
            }
        });

        var addUsing = Timing.NsPerCall(settings.TinyCalls, settings.TinySamples, warmup, calls =>
        {
            for (var i = 0; i < calls; i++)
            {
                using var c = a.Add(b);
            }
        });

        var numel = Timing.NsPerCall(settings.TinyCalls, settings.TinySamples, warmup, calls =>
        {
            var sink = 0L;
            for (var i = 0; i < calls; i++)
            {
                sink += a.NumElements;
            }

            GC.KeepAlive(sink);
        });

        var raw = Timing.NsPerCall(settings.TinyCalls, settings.TinySamples, warmup, calls =>
        {
            var sink = 0L;
            for (var i = 0; i < calls; i++)
            {
                sink += LibTorch.LiveTensorCount;
            }

            GC.KeepAlive(sink);
        });

        return new TinyOpSamples(addScope, addUsing, numel, raw);
    }
}
