namespace Twa.Cli.Bench;

/// <summary>What one `twa bench` run measures and how often. <see cref="Quick"/> trades precision for a
/// smoke run of a few seconds; the counts are the same for the C# side and the C++ reference.</summary>
internal sealed record BenchSettings(bool Quick, int Threads, string OutPath, string? ReferencePath)
{
    /// <summary>Square matrix size of the matmul benchmark (n x n times n x n, f32).</summary>
    public long MatmulN { get; init; } = 1024;

    /// <summary>Alternating C#/C++ rounds; samples of all rounds are pooled before taking the median. Many
    /// short rounds rather than a few long ones, so that a burst of load from elsewhere on a shared
    /// machine lands on both sides instead of on all the samples of one.</summary>
    public int Rounds => Quick ? 1 : 6;

    public const int MatmulWarmup = 2;

    /// <summary>Timed matmuls per round and per variant.</summary>
    public int MatmulReps => Quick ? 3 : 5;

    /// <summary>Tiny-op calls per sample (a multiple of <see cref="ScopeSize"/>).</summary>
    public int TinyCalls => Quick ? 2_000 : 20_000;

    /// <summary>Tiny-op samples per round and per variant.</summary>
    public int TinySamples => Quick ? 5 : 8;

    /// <summary>Tiny ops created per <see cref="Twa.Torch.TensorScope"/>, like the temporaries of one step.</summary>
    public const int ScopeSize = 1_000;

    /// <summary>Minimum warm-up time per C# tiny-op variant in the first round, so the JIT reaches its
    /// optimised tier; later rounds warm up with one untimed batch.</summary>
    public TimeSpan TinyWarmup => Quick ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromMilliseconds(600);

    /// <summary>Allreduce buffer: 64 MiB of f32.</summary>
    public const long AllReduceBytes = 64L * 1024 * 1024;

    public int AllReduceWarmup => Quick ? 1 : 3;

    public int AllReduceReps => Quick ? 3 : 10;

    /// <summary>Limit for the C++ reference process and for every collective / store operation.</summary>
    public static TimeSpan Timeout { get; } = TimeSpan.FromMinutes(2);
}
