using System.Globalization;
using System.Text;

namespace Twa.Cli.Bench;

/// <summary>The human-readable table `twa bench` prints (the JSON file holds every figure).</summary>
internal static class BenchTable
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    public static string Render(BenchResult r, string jsonPath)
    {
        ArgumentNullException.ThrowIfNull(r);
        var m = r.Machine;
        var t = r.Threads;
        var sb = new StringBuilder();
        sb.AppendLine(s_inv, $"twa bench{(r.Quick ? " --quick" : string.Empty)}: {m.Nproc} CPUs ({m.CpuModel}), libtorch {r.Libtorch.Version} " +
                             $"(C++ reference {r.Libtorch.CppReferenceVersion}), BLAS {r.Libtorch.BlasVendor}");
        sb.AppendLine(s_inv, $"threads: intra-op C# {t.CsharpIntraOp} / C++ {t.CppIntraOp}, BLAS C# {t.CsharpBlas} / C++ {t.CppBlas}; " +
                             $"{r.Rounds} round(s) alternating sides; load avg {Load(m.LoadAverage1m)} -> {Load(r.LoadAverage1mAtEnd)}; " +
                             $"{r.DurationSeconds:F1} s");
        sb.AppendLine();

        var mm = r.Matmul;
        var reps = mm.Mm.CsharpSeconds.Count;
        sb.AppendLine(s_inv, $"(a) matmul {mm.N}^3 {mm.Dtype}, GFLOP/s: median [best] of {reps} runs per side after warm-up");
        sb.AppendLine("    variant                   C# binding         C++ direct         binding/C++");
        Matmul(sb, "Mm (allocates result)", mm.Mm);
        Matmul(sb, "MmOut (preallocated)", mm.MmOut);
        sb.AppendLine(s_inv, $"    target binding/C++ >= {mm.TargetRatio:F2}: medians {Met(mm, v => v.Ratio)}, best runs {Met(mm, v => v.RatioBest)}");
        sb.AppendLine();

        var o = r.TinyOps;
        sb.AppendLine(s_inv, $"(b) per call on 1-element f32 tensors, ns/call: median of {o.CppAddNs.Count} samples x {o.CallsPerSample} calls");
        Row(sb, "C++     at::add(a, b)", o.CppAddNs);
        Row(sb, "C++     C ABI twa_tensor_binary + free", o.CppAbiAddNs, $"shim +{o.ShimOverheadNs:F1}");
        Row(sb, $"C#      a.Add(b) in TensorScope({o.ScopeSize})", o.CsharpAddInScopeNs, $"managed +{o.ManagedOverheadNs:F1}");
        Row(sb, "C#      using var c = a.Add(b)", o.CsharpAddUsingNs);
        sb.AppendLine(s_inv, $"    binding overhead per call (C# scope - C++):     {o.BindingOverheadNs,9:F1}   (using/Dispose: {o.BindingOverheadUsingNs:F1})");
        Row(sb, "C#      t.NumElements (P/Invoke + SafeHandle)", o.CsharpNumElementsNs);
        Row(sb, "C++     C ABI twa_tensor_numel", o.CppAbiNumelNs);
        Row(sb, "C#      LibTorch.LiveTensorCount (bare P/Invoke)", o.CsharpRawPinvokeNs);
        sb.AppendLine();

        var a = r.AllReduce;
        sb.AppendLine(s_inv, $"(c) allreduce SUM {a.Bytes >> 20} MiB {a.Dtype}, {a.Ranks} ranks, {a.Backend} ({a.Placement}), {a.Seconds.Count} runs");
        sb.AppendLine(s_inv, $"    time per allreduce   median {a.Seconds.Median * 1e3:F1} ms   (min {a.Seconds.Min * 1e3:F1}, max {a.Seconds.Max * 1e3:F1})");
        sb.AppendLine(s_inv, $"    algbw = bytes / time {a.AlgbwGBps,8:F2} GB/s   (best {a.AlgbwGBpsBest:F2})");
        sb.AppendLine(s_inv, $"    busbw = algbw * 2(n-1)/n {a.BusbwGBps,4:F2} GB/s");
        sb.AppendLine();

        Steps(sb, r.TwaSteps, r.BasisMemory);

        sb.AppendLine();
        sb.AppendLine("(f) distributed TWA step, bytes sent per step by the busiest rank: column scheme vs the paper's row scheme (target <= 0.55x)");
        foreach (var x in r.DistributedSteps)
        {
            sb.AppendLine(s_inv,
                $"    {x.Model,-9} D={x.Parameters,9:N0}  K={x.Ranks}  column {x.ColumnBytesPerStep,12:N0} B  row {x.RowBytesPerStep,12:N0} B  ratio {x.BytesRatio:F3}  ms {x.ColumnSeconds.Median * 1e3:F2} vs {x.RowSeconds.Median * 1e3:F2}  basis/rank {x.ColumnBasisBytesPerRank:N0} vs {x.RowBasisBytesPerRank:N0} B");
        }

        sb.AppendLine();
        Projection(sb, r.Projection);
        sb.AppendLine();
        if (r.LiveTensorsLeaked != 0)
        {
            sb.AppendLine(s_inv, $"warning: {r.LiveTensorsLeaked} tensor handle(s) still alive after the benchmark");
        }

        sb.Append(s_inv, $"JSON: {jsonPath}");
        return sb.ToString();
    }

    /// <summary>Section (g) alone (`twa bench --only projection`).</summary>
    public static string RenderProjection(ProjectionResult pr)
    {
        var sb = new StringBuilder();
        Projection(sb, pr);
        return sb.ToString();
    }

    /// <summary>Sections (d) and (e) alone (<c>twa bench --only steps</c>).</summary>
    public static string RenderSteps(TwaStepResult[] steps, BasisMemory[] memory)
    {
        var sb = new StringBuilder();
        Steps(sb, steps, memory);
        return sb.ToString();
    }

    private static void Steps(StringBuilder sb, TwaStepResult[] steps, BasisMemory[] memory)
    {
        sb.AppendLine("(d) training step, ms: median [best]; overhead = median over interleaved (SGD, TWA) steps of TWA step / SGD step - 1 [best / best - 1] (target <= 5%)");
        sb.AppendLine("    model        D         SGD step          TWA-schmidt       overhead          TWA-centered 4b   overhead");
        foreach (var step in steps)
        {
            sb.AppendLine(s_inv,
                $"    {step.Model,-9} {step.Parameters,9:N0}  {step.SgdSeconds.Median * 1e3,7:F2} [{step.SgdSeconds.Min * 1e3,6:F2}]  {step.SchmidtSeconds.Median * 1e3,7:F2} [{step.SchmidtSeconds.Min * 1e3,6:F2}]  {step.SchmidtOverhead,7:P1} [{step.SchmidtOverheadBest,6:P1}]  {step.Centered4BitSeconds.Median * 1e3,7:F2} [{step.Centered4BitSeconds.Min * 1e3,6:F2}]  {step.Centered4BitOverhead,7:P1} [{step.Centered4BitOverheadBest,6:P1}]");
        }

        sb.AppendLine();
        sb.AppendLine("(e) basis memory, bytes held (entries + per-block ranges) vs n*D*bits/8");
        foreach (var mem in memory)
        {
            sb.AppendLine(s_inv, $"    {mem.Model,-9} {mem.Variant,-9} {mem.Bits,2} bits  n={mem.Snapshots}  {mem.Bytes,12:N0}  ideal {mem.IdealBytes,12:N0}  ratio {(double)mem.Bytes / mem.IdealBytes:F3}");
        }
    }

    private static void Projection(StringBuilder sb, ProjectionResult pr)
    {
        sb.AppendLine(s_inv, $"(g) TWA projection throughput, {pr.Model} D={pr.Parameters:N0}, n={pr.Snapshots}: basis bytes read per step (2 passes, cold caches) / step time vs a {pr.CopyBytes >> 20} MiB copy (target >= {pr.TargetRatio:P0} at 4 bits, fused, on this CPU's best instruction set, {pr.Isa})");
        sb.AppendLine(s_inv, $"    last-level cache {(pr.LastLevelCacheBytes is long llc ? $"{llc >> 20} MiB" : "unknown")}: {pr.EvictBytes >> 20} MiB read before each timed step, {pr.CopyBytes >> 20} MiB copied");
        sb.AppendLine(s_inv, $"    copy, all {pr.CopySeconds.Count,3} copies        {pr.CopyGBps,7:F2} GB/s [best {pr.CopyGBpsBest:F2}]   ({pr.CopySeconds.Median * 1e3:F1} ms per copy; each row's ratio is to the copies interleaved with its steps)");
        foreach (var w in pr.Widths)
        {
            sb.AppendLine(s_inv,
                $"    {w.Bits,2} bits {w.Path,-7} {w.Isa,-8}  basis {w.BasisBytes,12:N0} B  {w.Seconds.Median * 1e3,7:F2} ms/step  {w.GBps,7:F2} GB/s [best {w.GBpsBest:F2}]  copy {w.CopyGBps,6:F2}  ratio {w.CopyRatio:F3}{(w.Bits == 4 && w.Path == "fused" && w.Isa == pr.Isa ? (w.CopyRatio >= pr.TargetRatio ? "  met" : "  NOT met") : "")}");
        }
    }

    private static void Matmul(StringBuilder sb, string name, MatmulVariant v) =>
        sb.AppendLine(s_inv, $"    {name,-24} {v.CsharpGflops,7:F1} [{v.CsharpGflopsBest,7:F1}]  {v.CppGflops,7:F1} [{v.CppGflopsBest,7:F1}]  " +
                             $"{v.Ratio,6:F3} [{v.RatioBest:F3}]");

    private static void Row(StringBuilder sb, string name, Series s, string? note = null) =>
        sb.AppendLine(s_inv, $"    {name,-48}{s.Median,9:F1}   (min {s.Min:F1}){(note is null ? string.Empty : "   " + note)}");

    private static string Met(MatmulResult mm, Func<MatmulVariant, double> ratio) =>
        ratio(mm.Mm) >= mm.TargetRatio && ratio(mm.MmOut) >= mm.TargetRatio ? "met" : "NOT met";

    private static string Load(double? load) => load?.ToString("F2", s_inv) ?? "?";
}
