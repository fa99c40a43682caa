using System.Reflection;
using System.Runtime.InteropServices;

namespace Twa.Torch.Native;

/// <summary>
/// Resolves <c>libtwa_torch.so</c> for every P/Invoke of this assembly and checks its ABI version
/// once. <c>TWA_TORCH_LIBRARY</c> (a file path), when set, is the only place tried; otherwise the
/// directory of this assembly, the application base directory, then the OS loader's default search.
/// </summary>
internal static class NativeLibraryLoader
{
    public const string LibraryName = "twa_torch";
    public const int ExpectedAbiVersion = 4;

    private static readonly Lock s_gate = new();
    private static IntPtr s_handle;

    /// <summary>Installs the resolver; called once from <see cref="NativeMethods"/>'s static constructor.</summary>
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibraryName)
        {
            return IntPtr.Zero;
        }

        lock (s_gate)
        {
            if (s_handle == IntPtr.Zero)
            {
                s_handle = LoadAndVerify();
            }

            return s_handle;
        }
    }

    private static IntPtr LoadAndVerify()
    {
        var tried = new List<string>();
        foreach (var candidate in Candidates())
        {
            if (candidate.EndsWith(".so", StringComparison.Ordinal) && !File.Exists(candidate))
            {
                tried.Add($"{candidate} (no such file)");
                continue;
            }

            try
            {
                var handle = NativeLibrary.Load(candidate);
                VerifyAbi(handle, candidate);
                return handle;
            }
            catch (DllNotFoundException e)
            {
                tried.Add($"{candidate} ({e.Message})");
            }
        }

        throw new TorchLoadException(
            $"cannot load lib{LibraryName}.so; tried: {string.Join("; ", tried)}. " +
            "Run `make build` (it builds the shim with CMake) or set TWA_TORCH_LIBRARY to the library's path.");
    }

    private static IEnumerable<string> Candidates()
    {
        var fromEnv = Environment.GetEnvironmentVariable("TWA_TORCH_LIBRARY");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            yield return Path.GetFullPath(fromEnv);
            yield break;
        }

        var file = $"lib{LibraryName}.so";
        var assemblyDir = Path.GetDirectoryName(typeof(NativeLibraryLoader).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDir))
        {
            yield return Path.Combine(assemblyDir, file);
        }

        yield return Path.Combine(AppContext.BaseDirectory, file);
        yield return file;
    }

    private static unsafe void VerifyAbi(IntPtr handle, string path)
    {
        if (!NativeLibrary.TryGetExport(handle, "twa_abi_version", out var export))
        {
            throw new TorchLoadException($"{path} is not a twa_torch shim (no twa_abi_version export)");
        }

        var version = ((delegate* unmanaged<int>)export)();
        if (version != ExpectedAbiVersion)
        {
            throw new TorchLoadException(
                $"{path} has ABI version {version} but Twa.Torch expects {ExpectedAbiVersion}; rebuild both with `make build`");
        }
    }
}
