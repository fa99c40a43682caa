using System.Diagnostics;
using Twa.Torch;

namespace Twa.Cli.Tests;

/// <summary>`twa --version` and what happens when the native shim is missing or has the wrong ABI.</summary>
public sealed class VersionAndLoaderTests
{
    [Fact(Timeout = 60_000)]
    public async Task Version_ReportsTwaLibtorchBlasAndDevices()
    {
        var r = await TwaProcess.RunAsync(null, "--version");

        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"(?m)^twa \d+\.\d+\.\d+$", r.StdOut);
        Assert.Matches(@"(?m)^libtorch \d+\.\d+\.\d+$", r.StdOut);
        Assert.Matches(@"(?m)^blas .*openblas", r.StdOut); // the reference BLAS would be 35x slower
        Assert.Contains($"threads training {Environment.ProcessorCount} (all cores unless --threads), OpenBLAS ", r.StdOut, StringComparison.Ordinal);
        Assert.Contains($"projection kernels {PackedProjection.NameOf(PackedProjection.BestIsa)}\n", r.StdOut, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^devices cpu", r.StdOut);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("", 1)]
    [InlineData("3", 3)]
    [InlineData("zero", 1)]
    public async Task Version_ThreadsLine_ShowsTheOpenBlasThreadsTrainingWouldUse(string variable, int expected)
    {
        var r = await TwaProcess.RunAsync(new Dictionary<string, string> { ["OPENBLAS_NUM_THREADS"] = variable }, "--version");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"\nthreads training {Environment.ProcessorCount} (all cores unless --threads), OpenBLAS {expected} (OPENBLAS_NUM_THREADS)\n",
            r.StdOut, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Load_MissingLibrary_NamesThePathTriedAndExitsNonZero()
    {
        var path = Path.Combine(Path.GetTempPath(), $"twa-missing-{Guid.NewGuid():N}.so");

        var r = await TwaProcess.RunAsync(new Dictionary<string, string> { ["TWA_TORCH_LIBRARY"] = path }, "--version");

        Assert.Equal(3, r.ExitCode);
        Assert.Contains(path, r.StdErr, StringComparison.Ordinal);
        Assert.Contains("no such file", r.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.StdErr, StringComparison.Ordinal); // one clear line, no stack trace
    }

    [Fact(Timeout = 120_000)]
    public async Task Load_WrongAbiVersion_NamesBothVersions()
    {
        // A library that exports twa_abi_version() returning 999, compiled on the spot.
        var dir = Directory.CreateTempSubdirectory("twa-abi-");
        var source = Path.Combine(dir.FullName, "fake.c");
        var library = Path.Combine(dir.FullName, "libfake.so");
        await File.WriteAllTextAsync(source, "int twa_abi_version(void) { return 999; }\n");
        using (var cc = Process.Start("cc", ["-shared", "-fPIC", "-o", library, source])!)
        {
            await cc.WaitForExitAsync();
            Assert.Equal(0, cc.ExitCode);
        }

        var r = await TwaProcess.RunAsync(new Dictionary<string, string> { ["TWA_TORCH_LIBRARY"] = library }, "--version");

        Assert.Equal(3, r.ExitCode);
        Assert.Contains("ABI version 999", r.StdErr, StringComparison.Ordinal);
        // The version this build expects: twa_torch.h's TWA_ABI_VERSION, read from the header the shim is built from.
        var header = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "trainer", "native", "include", "twa_torch.h"));
        var expected = System.Text.RegularExpressions.Regex.Match(header, @"#define TWA_ABI_VERSION (\d+)").Groups[1].Value;
        Assert.NotEmpty(expected);
        Assert.Contains($"expects {expected}", r.StdErr, StringComparison.Ordinal);
        Assert.Contains(library, r.StdErr, StringComparison.Ordinal);
        dir.Delete(recursive: true);
    }

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "TwaOperator.sln")))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no TwaOperator.sln above {AppContext.BaseDirectory}");
    }
}
