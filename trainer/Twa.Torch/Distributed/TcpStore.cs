using Twa.Torch.Native;

namespace Twa.Torch.Distributed;

/// <summary>
/// A c10d TCPStore: the key-value rendezvous through which the ranks of a <see cref="ProcessGroup"/> find
/// each other. One process hosts it (<c>isServer: true</c>), every rank (the host included) talks to it as a
/// client. Keys are UTF-8 strings, values raw bytes.
/// </summary>
/// <remarks>
/// Dispose releases this handle; the server keeps serving while any handle to it (a
/// <see cref="WithPrefix"/> view or a process group created on it) is alive, and stops when the last one goes.
/// Thread-safe: libtorch serialises the operations of one client connection.
/// </remarks>
public sealed class TcpStore : IDisposable
{
    /// <summary>c10d's default store timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    private readonly StoreHandle _handle;

    /// <summary>
    /// Hosts (<paramref name="isServer"/>) or connects to the store at <paramref name="host"/>:<paramref name="port"/>.
    /// A client retries connecting (so it may start before the server) until <paramref name="timeout"/>, at least
    /// 1 s (libtorch's connect deadline has whole-second resolution). The timeout also bounds every blocking
    /// <see cref="Get"/> and the rendezvous of groups created on this store.
    /// </summary>
    /// <param name="host">Address the server binds to / the client connects to, e.g. "127.0.0.1".</param>
    /// <param name="port">TCP port; 0 on a server picks a free one (read it back from <see cref="Port"/>).</param>
    /// <param name="isServer">True to host the store in this process.</param>
    /// <param name="worldSize">Number of ranks expected, or -1 when unknown.</param>
    /// <param name="timeout">Default timeout of store operations (default 5 minutes).</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    /// <exception cref="DistributedException">The server could not bind or the client could not connect.</exception>
    public TcpStore(string host, int port, bool isServer, int worldSize = -1, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var t = timeout ?? DefaultTimeout;
        var status = NativeMethods.twa_store_tcp_new(host, port, worldSize, isServer ? 1 : 0, ToMilliseconds(t), out var handle);
        _handle = Checked(status, handle);
        Status.Check(NativeMethods.twa_store_port(_handle, out var bound));
        Host = host;
        Port = bound;
        IsServer = isServer;
        Timeout = t;
        Prefix = string.Empty;
    }

    private TcpStore(StoreHandle handle, TcpStore parent, string prefix)
    {
        _handle = handle;
        Host = parent.Host;
        Port = parent.Port;
        IsServer = false;
        Timeout = parent.Timeout;
        Prefix = prefix;
    }

    public string Host { get; }

    /// <summary>The port the store listens on (the bound one when 0 was requested).</summary>
    public int Port { get; }

    /// <summary>True for the handle that created the server (false for prefix views).</summary>
    public bool IsServer { get; }

    public TimeSpan Timeout { get; }

    /// <summary>The full key prefix of this view ("" for the store itself; nested views join with "/").</summary>
    public string Prefix { get; }

    internal StoreHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    /// <summary>
    /// A view on the same store where every key is prefixed with <paramref name="prefix"/> (e.g. one per
    /// generation, so a rebuilt group never sees the keys of the previous one). The view is a new object owned
    /// by the caller; it keeps the underlying store alive and is independent of this handle's disposal.
    /// </summary>
    public TcpStore WithPrefix(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var status = NativeMethods.twa_store_prefix_new(Handle, prefix, out var handle);
        return new TcpStore(Checked(status, handle), this, Prefix.Length == 0 ? prefix : $"{Prefix}/{prefix}");
    }

    /// <summary>Stores a copy of <paramref name="value"/> under <paramref name="key"/> (overwrites).</summary>
    public unsafe void Set(string key, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(key);
        fixed (byte* p = value)
        {
            Status.Check(NativeMethods.twa_store_set(Handle, key, p, value.Length));
        }
    }

    /// <summary>
    /// The value of <paramref name="key"/> as a new array; blocks until some client sets it.
    /// </summary>
    /// <exception cref="CollectiveTimeoutException">The key did not appear within <see cref="Timeout"/> (libtorch:
    /// "Socket Timeout"); the handle stays usable.</exception>
    /// <exception cref="DistributedException">The connection to the server failed.</exception>
    public unsafe byte[] Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Status.Check(NativeMethods.twa_store_get(Handle, key, out var p, out var length));
        return new ReadOnlySpan<byte>(p, checked((int)length)).ToArray();
    }

    /// <summary>Atomically adds <paramref name="delta"/> to the integer counter <paramref name="key"/> (created at 0)
    /// and returns the new value; <c>Add(key, 0)</c> reads it.</summary>
    public long Add(string key, long delta)
    {
        ArgumentNullException.ThrowIfNull(key);
        Status.Check(NativeMethods.twa_store_add(Handle, key, delta, out var value));
        return value;
    }

    /// <summary>Releases this handle (see the class remarks for when the server stops).</summary>
    public void Dispose() => _handle.Dispose();

    internal static long ToMilliseconds(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, nameof(timeout));
        return (long)Math.Ceiling(timeout.TotalMilliseconds);
    }

    private static StoreHandle Checked(int status, StoreHandle handle)
    {
        if (status != Status.Ok)
        {
            handle.Dispose();
            Status.Check(status);
        }

        return handle;
    }
}
