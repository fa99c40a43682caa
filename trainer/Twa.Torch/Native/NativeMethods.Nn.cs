using System.Runtime.InteropServices;

namespace Twa.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int twa_nn_linear(TensorHandle x, TensorHandle w, TensorHandle bias, out TensorHandle result);
    [LibraryImport(Lib)]
    internal static unsafe partial int twa_nn_conv2d(TensorHandle x, TensorHandle w, TensorHandle bias, long* stride, long* padding, long* dilation, long groups, out TensorHandle result);
    [LibraryImport(Lib)]
    internal static partial int twa_nn_batch_norm(TensorHandle x, TensorHandle weight, TensorHandle bias, TensorHandle runningMean, TensorHandle runningVar, int training, double momentum, double eps, out TensorHandle result);
    [LibraryImport(Lib)]
    internal static unsafe partial int twa_nn_layer_norm(TensorHandle x, long* normalizedShape, int ndim, TensorHandle weight, TensorHandle bias, double eps, out TensorHandle result);
    [LibraryImport(Lib)]
    internal static unsafe partial int twa_nn_pool2d(TensorHandle x, int kind, long* kernel, long* stride, long* padding, int ceilMode, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_nn_adaptive_avg_pool2d(TensorHandle x, long outH, long outW, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_nn_dropout(TensorHandle x, double p, int training, GeneratorHandle gen, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_nn_embedding(TensorHandle weight, TensorHandle indices, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_nn_softmax(TensorHandle x, long dim, int kind, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_nn_cross_entropy(TensorHandle logits, TensorHandle target, int reduction, double labelSmoothing, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_nn_nll_loss(TensorHandle logProbs, TensorHandle target, int reduction, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_nn_mse_loss(TensorHandle x, TensorHandle target, int reduction, out TensorHandle result);

    [LibraryImport(Lib)] internal static partial int twa_linalg_svdvals(TensorHandle a, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_linalg_svd(TensorHandle a, int fullMatrices, out TensorHandle u, out TensorHandle s, out TensorHandle vh);
    [LibraryImport(Lib)] internal static partial int twa_linalg_eigh(TensorHandle a, int upper, out TensorHandle eigenvalues, out TensorHandle eigenvectors);
    [LibraryImport(Lib)] internal static partial int twa_linalg_cholesky(TensorHandle a, int upper, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_linalg_solve_triangular(TensorHandle a, TensorHandle b, int upper, int left, int unitriangular, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_linalg_qr(TensorHandle a, out TensorHandle q, out TensorHandle r);
    [LibraryImport(Lib)] internal static partial int twa_linalg_inv(TensorHandle a, out TensorHandle result);
}
