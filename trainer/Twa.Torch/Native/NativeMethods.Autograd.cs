using System.Runtime.InteropServices;

namespace Twa.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int twa_autograd_requires_grad(TensorHandle t, out int value);
    [LibraryImport(Lib)] internal static partial int twa_autograd_set_requires_grad(TensorHandle t, int value);
    [LibraryImport(Lib)] internal static partial int twa_autograd_grad(TensorHandle t, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_autograd_set_grad(TensorHandle t, TensorHandle grad);
    [LibraryImport(Lib)] internal static partial int twa_autograd_set_data(TensorHandle t, TensorHandle data);
    [LibraryImport(Lib)] internal static partial int twa_autograd_backward(TensorHandle t, TensorHandle gradOutput, int retainGraph);
    [LibraryImport(Lib)]
    internal static unsafe partial int twa_autograd_grad_of(TensorHandle output, TensorHandle gradOutput, IntPtr* inputs, int ninputs, int retainGraph, int createGraph, int allowUnused, IntPtr* results);
    [LibraryImport(Lib)] internal static partial int twa_autograd_set_grad_enabled(int enabled, out int previous);
    [LibraryImport(Lib)] internal static partial int twa_autograd_is_grad_enabled();
}
