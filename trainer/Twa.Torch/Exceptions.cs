namespace Twa.Torch;

/// <summary>An error raised by libtorch (shape or dtype mismatch, unsupported device, ...). The message
/// is libtorch's own, without a C++ backtrace. The process stays usable after it.</summary>
public class TorchException : Exception
{
    public TorchException() { }
    public TorchException(string message) : base(message) { }
    public TorchException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>libtorch could not allocate memory on the device (host RAM or GPU memory).</summary>
public class TorchOutOfMemoryException : TorchException
{
    public TorchOutOfMemoryException() { }
    public TorchOutOfMemoryException(string message) : base(message) { }
    public TorchOutOfMemoryException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A collective or store operation failed, e.g. because a peer died (connection reset).
/// The process group that raised it should be discarded and rebuilt.</summary>
public class DistributedException : TorchException
{
    public DistributedException() { }
    public DistributedException(string message) : base(message) { }
    public DistributedException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A collective or store operation did not complete within its configured timeout
/// (typically a silent peer).</summary>
public class CollectiveTimeoutException : DistributedException
{
    public CollectiveTimeoutException() { }
    public CollectiveTimeoutException(string message) : base(message) { }
    public CollectiveTimeoutException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The native shim could not be loaded or has the wrong ABI version. The message names the
/// paths tried, the OS loader's error and both versions.</summary>
public class TorchLoadException : DllNotFoundException
{
    public TorchLoadException() { }
    public TorchLoadException(string message) : base(message) { }
    public TorchLoadException(string message, Exception inner) : base(message, inner) { }
}
