using System.Runtime.InteropServices;

namespace Twa.Torch.Native;

/// <summary>Maps the shim's status codes to typed .NET exceptions carrying libtorch's message.</summary>
internal static class Status
{
    public const int Ok = 0;
    public const int InvalidArgument = 1;
    public const int OutOfMemory = 2;
    public const int TorchError = 3;
    public const int Distributed = 4;
    public const int Timeout = 5;

    /// <summary>Throws the exception that matches <paramref name="status"/>; returns when it is OK.</summary>
    public static void Check(int status)
    {
        if (status != Ok)
        {
            throw Create(status, LastError());
        }
    }

    public static string LastError() => Marshal.PtrToStringUTF8(NativeMethods.twa_last_error()) ?? string.Empty;

    private static Exception Create(int status, string message) => status switch
    {
        InvalidArgument => new ArgumentException(message),
        OutOfMemory => new TorchOutOfMemoryException(message),
        Distributed => new DistributedException(message),
        Timeout => new CollectiveTimeoutException(message),
        _ => new TorchException(message),
    };
}
