using System.Runtime.InteropServices;

namespace Twa.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int twa_store_tcp_new(string host, int port, int worldSize, int isServer, long timeoutMs, out StoreHandle result);
    [LibraryImport(Lib)] internal static partial int twa_store_port(StoreHandle s, out int port);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int twa_store_prefix_new(StoreHandle s, string prefix, out StoreHandle result);
    [LibraryImport(Lib)] internal static partial void twa_store_free(IntPtr s);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int twa_store_set(StoreHandle s, string key, byte* value, long len);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int twa_store_get(StoreHandle s, string key, out byte* value, out long len);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int twa_store_add(StoreHandle s, string key, long delta, out long result);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int twa_pg_new(StoreHandle s, int rank, int size, int backend, long timeoutMs, string? bindAddress, out ProcessGroupHandle result);
    [LibraryImport(Lib)] internal static partial void twa_pg_free(IntPtr pg, int abort);
    [LibraryImport(Lib)] internal static partial int twa_pg_rank(ProcessGroupHandle pg, out int rank);
    [LibraryImport(Lib)] internal static partial int twa_pg_size(ProcessGroupHandle pg, out int size);
    [LibraryImport(Lib)] internal static partial int twa_pg_allreduce(ProcessGroupHandle pg, TensorHandle t, int op);
    [LibraryImport(Lib)] internal static unsafe partial int twa_pg_reduce_scatter(ProcessGroupHandle pg, TensorHandle output, TensorHandle input, long* counts, int op);
    [LibraryImport(Lib)] internal static unsafe partial int twa_pg_allgather(ProcessGroupHandle pg, TensorHandle output, TensorHandle input, long* counts);
    [LibraryImport(Lib)] internal static partial int twa_pg_broadcast(ProcessGroupHandle pg, TensorHandle t, int root);
    [LibraryImport(Lib)] internal static partial int twa_pg_barrier(ProcessGroupHandle pg);
}
