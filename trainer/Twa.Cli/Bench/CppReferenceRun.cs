namespace Twa.Cli.Bench;

/// <summary>One run of build/native/twa_matmul_ref: what it reported about itself and its raw samples,
/// keyed as it printed them (mm_seconds, mm_out_seconds, add_ns, abi_add_ns, abi_numel_ns).</summary>
internal sealed record CppReferenceRun(
    string TorchVersion,
    int IntraOpThreads,
    int BlasThreads,
    string BlasVendor,
    IReadOnlyDictionary<string, double[]> Samples)
{
    /// <summary>The samples printed under <paramref name="key"/>; throws when the reference did not print them.</summary>
    public double[] this[string key] =>
        Samples.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"the C++ reference printed no '{key}' line");
}
