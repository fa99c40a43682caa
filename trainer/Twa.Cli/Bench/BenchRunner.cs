using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Twa.Torch;

namespace Twa.Cli.Bench;

/// <summary>
/// Runs every benchmark of `twa bench` in one process on one machine: (a) matmul and (b) tiny-op cost in
/// <see cref="BenchSettings.Rounds"/> rounds that alternate which side (C# binding or C++ reference
/// process) goes first, so drift on a shared machine hits both; then (c) allreduce. Writes the JSON
/// document and prints the table. Progress goes to stderr, the table to stdout.
/// </summary>
internal static class BenchRunner
{
    public const string Schema = "twa-bench/1";
    public const double TargetRatio = 0.95;

    public static BenchResult Run(BenchSettings settings, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var machine = MachineFacts.Collect();
        var reference = CppReference.Locate(settings.ReferencePath);
        var liveBefore = LibTorch.LiveTensorCount;

        // The binding-overhead sections (matmul, tiny ops) run both sides with the same threads in both pools.
        LibTorch.NumThreads = settings.Threads;
        var openBlas = LibTorch.SetBlasThreads(settings.Threads);

        var csMm = new List<double>();
        var csMmOut = new List<double>();
        var cppMm = new List<double>();
        var cppMmOut = new List<double>();
        var cs = new List<TinyOpSamples>();
        var cpp = new List<CppReferenceRun>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            var label = $"round {round + 1}/{settings.Rounds}";
            for (var side = 0; side < 2; side++)
            {
                if ((side + round) % 2 == 0)
                {
                    progress.WriteLine($"twa bench: {label}: C++ reference ({Path.GetFileName(reference)}) ...");
                    var run = CppReference.Run(reference, settings);
                    cpp.Add(run);
                    cppMm.AddRange(run["mm_seconds"]);
                    cppMmOut.AddRange(run["mm_out_seconds"]);
                }
                else
                {
                    progress.WriteLine($"twa bench: {label}: C# binding ...");
                    var (mm, mmOut) = MatmulBench.Run(settings);
                    csMm.AddRange(mm);
                    csMmOut.AddRange(mmOut);
                    cs.Add(TinyOpBench.Run(settings, round == 0 ? settings.TinyWarmup : TimeSpan.Zero));
                }
            }
        }

        progress.WriteLine($"twa bench: allreduce {BenchSettings.AllReduceBytes >> 20} MiB, {AllReduceBench.WorldSize} ranks ...");
        var allReduce = Series.Of(AllReduceBench.Run(settings));

        var first = cpp[0];
        var threads = new ThreadFacts(settings.Threads, LibTorch.NumThreads, LibTorch.BlasThreads ?? -1, first.IntraOpThreads, first.BlasThreads);

        // The training steps and the projection run as `twa train` runs them.
        TrainingThreads.Apply(settings.Threads);
        var (twaSteps, basisMemory) = TwaStepBench.Run(settings, progress);
        var distributedSteps = DistributedStepBench.Run(settings, progress);
        var projection = ProjectionBench.Run(settings, progress);
        if (threads.CsharpIntraOp != threads.CppIntraOp || threads.CsharpBlas != threads.CppBlas)
        {
            progress.WriteLine($"twa bench: warning: thread counts differ between the sides: {threads}");
        }

        var version = LibTorch.Version;
        if (version != first.TorchVersion)
        {
            progress.WriteLine($"twa bench: warning: the binding loads libtorch {version} but the C++ reference was built with {first.TorchVersion}");
        }

        var n = settings.MatmulN;
        var tiny = Tiny(settings, cs, cpp);
        return new BenchResult(
            Schema,
            started,
            clock.Elapsed.TotalSeconds,
            settings.Quick,
            settings.Rounds,
            TwaVersion(),
            machine,
            MachineFacts.LoadAverage(),
            new LibraryFacts(version, first.TorchVersion, openBlas ? "openblas" : first.BlasVendor, reference),
            threads,
            new MatmulResult(n, "float32", BenchSettings.MatmulWarmup, settings.MatmulReps, TargetRatio,
                Matmul(n, csMm, cppMm), Matmul(n, csMmOut, cppMmOut)),
            tiny,
            new AllReduceResult(
                BenchSettings.AllReduceBytes,
                "float32",
                AllReduceBench.WorldSize,
                "gloo",
                "2 ranks as 2 threads of this process, TCP over 127.0.0.1",
                settings.AllReduceWarmup,
                settings.AllReduceReps,
                allReduce,
                BenchSettings.AllReduceBytes / allReduce.Median / 1e9,
                BenchSettings.AllReduceBytes / allReduce.Median / 1e9 * 2 * (AllReduceBench.WorldSize - 1) / AllReduceBench.WorldSize,
                BenchSettings.AllReduceBytes / allReduce.Min / 1e9),
            twaSteps,
            basisMemory,
            distributedSteps,
            projection,
            LibTorch.LiveTensorCount - liveBefore);
    }

    /// <summary>Writes <paramref name="result"/> as indented snake_case JSON, creating the directory.</summary>
    public static void WriteJson(BenchResult result, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(path, JsonSerializer.Serialize(result, BenchJsonContext.Default.BenchResult) + "\n");
    }

    private static MatmulVariant Matmul(long n, List<double> csharp, List<double> cpp)
    {
        var cs = Series.Of(csharp);
        var cc = Series.Of(cpp);
        return new MatmulVariant(
            cs,
            cc,
            MatmulBench.Gflops(n, cs.Median),
            MatmulBench.Gflops(n, cc.Median),
            MatmulBench.Gflops(n, cs.Min),
            MatmulBench.Gflops(n, cc.Min),
            cc.Median / cs.Median,
            cc.Min / cs.Min);
    }

    private static TinyOpResult Tiny(BenchSettings settings, List<TinyOpSamples> cs, List<CppReferenceRun> cpp)
    {
        var cppAdd = Series.Of(cpp.SelectMany(r => r["add_ns"]).ToList());
        var cppAbiAdd = Series.Of(cpp.SelectMany(r => r["abi_add_ns"]).ToList());
        var scope = Series.Of(cs.SelectMany(s => s.AddInScope).ToList());
        var usingAdd = Series.Of(cs.SelectMany(s => s.AddUsing).ToList());
        return new TinyOpResult(
            settings.TinyCalls,
            settings.TinySamples,
            BenchSettings.ScopeSize,
            cppAdd,
            cppAbiAdd,
            scope,
            usingAdd,
            scope.Median - cppAdd.Median,
            usingAdd.Median - cppAdd.Median,
            cppAbiAdd.Median - cppAdd.Median,
            scope.Median - cppAbiAdd.Median,
            Series.Of(cs.SelectMany(s => s.NumElements).ToList()),
            Series.Of(cpp.SelectMany(r => r["abi_numel_ns"]).ToList()),
            Series.Of(cs.SelectMany(s => s.RawPInvoke).ToList()));
    }

    private static string TwaVersion()
    {
        var v = typeof(BenchRunner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var plus = v.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? v[..plus] : v;
    }
}
