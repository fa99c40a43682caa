using Twa.Torch;

namespace Twa.Cli;

/// <summary>
/// The instruction set of the TWA projection kernels in a training process (`twa train`, `twa worker`): the best this
/// CPU offers, unless <c>TWA_PROJECTION_ISA</c> (avx512, avx2 or scalar) pins a lower one. Results of two sets agree
/// to rounding, not bit for bit. Pinning every rank of a job spread over AVX2 and AVX-512 nodes to avx2 makes its
/// result independent of where the ranks land.
/// </summary>
internal static class ProjectionKernels
{
    public const string Variable = "TWA_PROJECTION_ISA";

    /// <summary>Applies <c>TWA_PROJECTION_ISA</c> of the process environment to the whole process.</summary>
    /// <exception cref="FormatException">The value is not a set name, or names a set this CPU does not offer.</exception>
    public static void Apply() => PackedProjection.SetProcessIsa(IsaFor(Environment.GetEnvironmentVariable(Variable), PackedProjection.BestIsa));

    /// <summary>The set a value of <c>TWA_PROJECTION_ISA</c> asks for: null (the best) when unset or empty.</summary>
    /// <exception cref="FormatException">The value is not a set name, or names a set above <paramref name="best"/>.</exception>
    public static ProjectionIsa? IsaFor(string? value, ProjectionIsa best)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var names = Enum.GetValues<ProjectionIsa>().ToDictionary(PackedProjection.NameOf);
        if (!names.TryGetValue(value.Trim().ToLowerInvariant(), out var isa))
        {
            throw new FormatException($"{Variable}='{value}': expected one of {string.Join(", ", names.Keys.Reverse())}, or unset for the best this CPU offers ({PackedProjection.NameOf(best)})");
        }

        if (isa > best)
        {
            throw new FormatException($"{Variable}={PackedProjection.NameOf(isa)}, but this CPU offers at most {PackedProjection.NameOf(best)}: set {PackedProjection.NameOf(best)} or a lower one, or unset it");
        }

        return isa;
    }
}
