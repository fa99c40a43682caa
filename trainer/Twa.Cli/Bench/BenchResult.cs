// The JSON document `twa bench` writes (snake_case via BenchJsonContext). The records are internal and
// kept together in this one file on purpose: they are one schema, read top to bottom.
using System.Text.Json.Serialization;

namespace Twa.Cli.Bench;

/// <summary>Everything one `twa bench` run measured. Times are medians over all rounds' samples unless
/// named otherwise; "best" figures use the fastest sample (less sensitive to a shared machine).</summary>
internal sealed record BenchResult(
    string Schema,
    DateTimeOffset StartedAt,
    double DurationSeconds,
    bool Quick,
    int Rounds,
    string TwaVersion,
    MachineFacts Machine,
    [property: JsonPropertyName("load_average_1m_at_end")] double? LoadAverage1mAtEnd,
    LibraryFacts Libtorch,
    ThreadFacts Threads,
    MatmulResult Matmul,
    TinyOpResult TinyOps,
    AllReduceResult AllReduce,
    TwaStepResult[] TwaSteps,
    BasisMemory[] BasisMemory,
    DistributedStepResult[] DistributedSteps,
    ProjectionResult Projection,
    long LiveTensorsLeaked);

/// <summary>TWA projection throughput (<see cref="ProjectionBench"/>): the last-level cache size (null: unknown), the
/// bytes read before each timed step to evict the basis (twice that cache or more), a copy of <see cref="CopyBytes"/>
/// (GB/s = bytes copied / seconds, 1 GB = 1e9 bytes; every copy of the run) and, per basis width, the local projection
/// step's basis bytes / seconds and its ratio to the GB/s of the copies timed interleaved with it (target >= <see
/// cref="TargetRatio"/> at 4 bits, fused, on <see cref="Isa"/>, the best instruction set of this CPU).</summary>
internal sealed record ProjectionResult(string Model, long Parameters, int Snapshots, double TargetRatio, string Isa, long? LastLevelCacheBytes, long EvictBytes,
    long CopyBytes, Series CopySeconds,
    [property: JsonPropertyName("copy_gb_per_s")] double CopyGBps, [property: JsonPropertyName("copy_gb_per_s_best")] double CopyGBpsBest,
    ProjectionThroughput[] Widths);

/// <summary>One basis width and code path ("fused": the kernels a fit step calls, on instruction set <c>Isa</c>: the
/// best this CPU has (<see cref="ProjectionResult.Isa"/>, what training uses) and, where that is AVX-512, AVX2 too
/// for comparison; "unfused": dequantise then tensor ops, Isa "libtorch"): bytes held (n·ceil(D·bits/8)), basis bytes
/// read per step (two passes), seconds per projection step, GB/s of basis read (median, best), the median copy
/// bandwidth of the copies timed interleaved with these steps, and the ratio of the two medians.</summary>
internal sealed record ProjectionThroughput(int Bits, string Path, string Isa, long BasisBytes, long BytesReadPerStep, Series Seconds, [property: JsonPropertyName("gb_per_s")] double GBps,
    [property: JsonPropertyName("gb_per_s_best")] double GBpsBest, [property: JsonPropertyName("copy_gb_per_s")] double CopyGBps, double CopyRatio);

/// <summary>One distributed TWA step on K ranks: bytes sent per step by the busiest rank (collectives-layer counters) in
/// our column scheme and in the paper's row scheme, their ratio (target &lt;= 0.55), seconds per step of each (slowest
/// rank) and the f32 basis bytes the busiest rank holds in each.</summary>
internal sealed record DistributedStepResult(string Model, long Parameters, int Ranks, int Snapshots, long ColumnBytesPerStep,
    long RowBytesPerStep, double BytesRatio, Series ColumnSeconds, Series RowSeconds, long ColumnBasisBytesPerRank, long RowBasisBytesPerRank);

/// <summary>Seconds per training step on one model and batch: plain SGD, TWA-schmidt and TWA-centered (4 bits);
/// overheads are the median over interleaved (SGD, schmidt, centered) triples of (twa / sgd − 1), and (twa / sgd − 1)
/// of the fastest samples.</summary>
internal sealed record TwaStepResult(string Model, long Parameters, int Batch, int Snapshots, Series SgdSeconds, Series SchmidtSeconds,
    Series Centered4BitSeconds, double SchmidtOverhead, double Centered4BitOverhead, double SchmidtOverheadBest, double Centered4BitOverheadBest);

/// <summary>Bytes a basis holds (entries + per-block ranges) against the ideal n·D·bits/8.</summary>
internal sealed record BasisMemory(string Model, string Variant, int Bits, int Snapshots, long Parameters, long Bytes, long IdealBytes);

/// <summary>libtorch as loaded by the binding (<c>Version</c>) and as compiled into the C++ reference
/// (<c>CppReferenceVersion</c>); the two must match for the comparison to mean anything.</summary>
internal sealed record LibraryFacts(string Version, string CppReferenceVersion, string BlasVendor, string CppReferencePath);

/// <summary>Thread counts in effect on both sides (libtorch's intra-op pool and OpenBLAS' own pool).</summary>
internal sealed record ThreadFacts(int Requested, int CsharpIntraOp, int CsharpBlas, int CppIntraOp, int CppBlas);

internal sealed record MatmulResult(
    long N,
    string Dtype,
    int WarmupPerRound,
    int RepsPerRound,
    double TargetRatio,
    MatmulVariant Mm,
    MatmulVariant MmOut);

/// <summary>One matmul variant timed through the binding (C#) and directly (C++). Ratios are binding/C++
/// in GFLOP/s, i.e. C++ seconds / C# seconds.</summary>
internal sealed record MatmulVariant(
    Series CsharpSeconds,
    Series CppSeconds,
    double CsharpGflops,
    double CppGflops,
    double CsharpGflopsBest,
    double CppGflopsBest,
    double Ratio,
    double RatioBest);

/// <summary>ns per call on 1-element f32 tensors. The overheads are differences of medians:
/// binding = C# (scope) - C++ at::add; shim = C ABI from C++ - at::add; managed = C# (scope) - C ABI.</summary>
internal sealed record TinyOpResult(
    int CallsPerSample,
    int SamplesPerRound,
    int ScopeSize,
    Series CppAddNs,
    Series CppAbiAddNs,
    Series CsharpAddInScopeNs,
    Series CsharpAddUsingNs,
    double BindingOverheadNs,
    double BindingOverheadUsingNs,
    double ShimOverheadNs,
    double ManagedOverheadNs,
    Series CsharpNumElementsNs,
    Series CppAbiNumelNs,
    Series CsharpRawPinvokeNs);

/// <summary>Allreduce of <see cref="Bytes"/> bytes. algbw = bytes / seconds per allreduce; busbw = algbw *
/// 2(n-1)/n, the traffic each rank's link carries in a ring (equal to algbw for 2 ranks). GB = 1e9 bytes.</summary>
internal sealed record AllReduceResult(
    long Bytes,
    string Dtype,
    int Ranks,
    string Backend,
    string Placement,
    int Warmup,
    int Reps,
    Series Seconds,
    [property: JsonPropertyName("algbw_gb_per_s")] double AlgbwGBps,
    [property: JsonPropertyName("busbw_gb_per_s")] double BusbwGBps,
    [property: JsonPropertyName("algbw_gb_per_s_best")] double AlgbwGBpsBest);
