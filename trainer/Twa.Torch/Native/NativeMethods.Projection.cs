using System.Runtime.InteropServices;

namespace Twa.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int twa_projection_gradient(TensorHandle basis, int bits, long columns, TensorHandle scale, TensorHandle low,
        TensorHandle segments, TensorHandle g, TensorHandle gradX);

    [LibraryImport(Lib)]
    internal static partial int twa_projection_reconstruct(TensorHandle basis, int bits, long columns, TensorHandle scale, TensorHandle low,
        TensorHandle segments, TensorHandle center, TensorHandle x, TensorHandle output);

    [LibraryImport(Lib)]
    internal static partial int twa_projection_isa(out int current, out int best);

    [LibraryImport(Lib)]
    internal static partial int twa_projection_set_isa(int isa);

    [LibraryImport(Lib)]
    internal static partial int twa_projection_set_process_isa(int isa);
}
