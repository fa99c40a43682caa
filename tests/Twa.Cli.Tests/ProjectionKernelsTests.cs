using Twa.Torch;

namespace Twa.Cli.Tests;

/// <summary>TWA_PROJECTION_ISA: which instruction set a training process pins its projection kernels to.</summary>
public sealed class ProjectionKernelsTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("  ", null)]
    [InlineData("avx512", ProjectionIsa.Avx512)]
    [InlineData("AVX2", ProjectionIsa.Avx2)]
    [InlineData(" scalar ", ProjectionIsa.Scalar)]
    public void IsaFor_SetNamesOrUnset_AreTheSetOrTheBest(string? value, ProjectionIsa? expected) =>
        Assert.Equal(expected, ProjectionKernels.IsaFor(value, ProjectionIsa.Avx512));

    [Theory]
    [InlineData("avx")]
    [InlineData("2")]
    [InlineData("avx-512")]
    public void IsaFor_UnknownName_NamesTheVariableAndTheChoices(string value)
    {
        var e = Assert.Throws<FormatException>(() => ProjectionKernels.IsaFor(value, ProjectionIsa.Avx512));
        Assert.Equal($"TWA_PROJECTION_ISA='{value}': expected one of avx512, avx2, scalar, or unset for the best this CPU offers (avx512)", e.Message);
    }

    [Fact]
    public void IsaFor_AboveWhatTheCpuOffers_NamesTheBest()
    {
        var e = Assert.Throws<FormatException>(() => ProjectionKernels.IsaFor("avx512", ProjectionIsa.Avx2));
        Assert.Equal("TWA_PROJECTION_ISA=avx512, but this CPU offers at most avx2: set avx2 or a lower one, or unset it", e.Message);
    }
}
