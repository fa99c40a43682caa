using Twa.Torch.Native;

namespace Twa.Torch.Nn;

/// <summary>Stateless neural-network operations (torch.nn.functional), differentiable through autograd.
/// Every call returns a new tensor owned by the caller or the current scope.</summary>
public static class Functional
{
    /// <summary>x @ weightᵀ + bias; weight is [out, in].</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) =>
        Tensor.Wrap(NativeMethods.twa_nn_linear(x.Handle, weight.Handle, Tensor.HandleOf(bias), out var r), r);

    /// <summary>2-D convolution of x [N, C, H, W] with weight [out, C/groups, kH, kW].</summary>
    public static unsafe Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, Conv2dOptions? options = null)
    {
        var o = options ?? Conv2dOptions.Default;
        long* stride = stackalloc long[] { o.Stride.H, o.Stride.W };
        long* padding = stackalloc long[] { o.Padding.H, o.Padding.W };
        long* dilation = stackalloc long[] { o.Dilation.H, o.Dilation.W };
        return Tensor.Wrap(
            NativeMethods.twa_nn_conv2d(x.Handle, weight.Handle, Tensor.HandleOf(bias), stride, padding, dilation, o.Groups, out var r), r);
    }

    /// <summary>Batch normalisation over dim 1. In training mode the batch statistics are used and the running
    /// buffers (when given) are updated in place: running = (1 - momentum) * running + momentum * batch
    /// (unbiased variance). For a cumulative average pass momentum = b / (n + b) per batch.</summary>
    public static Tensor BatchNorm(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, double momentum = 0.1, double eps = 1e-5) =>
        Tensor.Wrap(NativeMethods.twa_nn_batch_norm(x.Handle, Tensor.HandleOf(weight), Tensor.HandleOf(bias),
            Tensor.HandleOf(runningMean), Tensor.HandleOf(runningVar), Tensor.Flag(training), momentum, eps, out var r), r);

    /// <summary>Layer normalisation over the trailing <paramref name="normalizedShape"/> dims.</summary>
    public static unsafe Tensor LayerNorm(Tensor x, ReadOnlySpan<long> normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        fixed (long* p = normalizedShape)
        {
            return Tensor.Wrap(NativeMethods.twa_nn_layer_norm(x.Handle, p, normalizedShape.Length, Tensor.HandleOf(weight),
                Tensor.HandleOf(bias), eps, out var r), r);
        }
    }

    public static Tensor MaxPool2d(Tensor x, Size2 kernel, Size2? stride = null, Size2 padding = default, bool ceilMode = false) =>
        Pool(x, 0, kernel, stride ?? kernel, padding, ceilMode);

    /// <summary>Average pooling (padding counted in the average, as torch's default).</summary>
    public static Tensor AvgPool2d(Tensor x, Size2 kernel, Size2? stride = null, Size2 padding = default, bool ceilMode = false) =>
        Pool(x, 1, kernel, stride ?? kernel, padding, ceilMode);

    private static unsafe Tensor Pool(Tensor x, int kind, Size2 kernel, Size2 stride, Size2 padding, bool ceilMode)
    {
        long* k = stackalloc long[] { kernel.H, kernel.W };
        long* s = stackalloc long[] { stride.H, stride.W };
        long* p = stackalloc long[] { padding.H, padding.W };
        return Tensor.Wrap(NativeMethods.twa_nn_pool2d(x.Handle, kind, k, s, p, Tensor.Flag(ceilMode), out var r), r);
    }

    public static Tensor AdaptiveAvgPool2d(Tensor x, Size2 outputSize) =>
        Tensor.Wrap(NativeMethods.twa_nn_adaptive_avg_pool2d(x.Handle, outputSize.H, outputSize.W, out var r), r);

    /// <summary>Inverted dropout: zeroes elements with probability p and scales the rest by 1/(1-p); identity
    /// when not training. The mask is drawn from <paramref name="generator"/> (global generator when null).</summary>
    public static Tensor Dropout(Tensor x, double p, bool training, Generator? generator = null) =>
        Tensor.Wrap(NativeMethods.twa_nn_dropout(x.Handle, p, Tensor.Flag(training), Generator.HandleOf(generator), out var r), r);

    /// <summary>Rows of <paramref name="weight"/> [num, dim] selected by i64 <paramref name="indices"/>.</summary>
    public static Tensor Embedding(Tensor weight, Tensor indices) =>
        Tensor.Wrap(NativeMethods.twa_nn_embedding(weight.Handle, indices.Handle, out var r), r);

    public static Tensor Softmax(Tensor x, long dim) => Tensor.Wrap(NativeMethods.twa_nn_softmax(x.Handle, dim, 0, out var r), r);

    public static Tensor LogSoftmax(Tensor x, long dim) => Tensor.Wrap(NativeMethods.twa_nn_softmax(x.Handle, dim, 1, out var r), r);

    /// <summary>Cross-entropy of logits [N, C] against i64 class indices [N].</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean, double labelSmoothing = 0) =>
        Tensor.Wrap(NativeMethods.twa_nn_cross_entropy(logits.Handle, target.Handle, (int)reduction, labelSmoothing, out var r), r);

    public static Tensor NllLoss(Tensor logProbs, Tensor target, Reduction reduction = Reduction.Mean) =>
        Tensor.Wrap(NativeMethods.twa_nn_nll_loss(logProbs.Handle, target.Handle, (int)reduction, out var r), r);

    public static Tensor MseLoss(Tensor x, Tensor target, Reduction reduction = Reduction.Mean) =>
        Tensor.Wrap(NativeMethods.twa_nn_mse_loss(x.Handle, target.Handle, (int)reduction, out var r), r);

    public static Tensor Relu(Tensor x) => x.Relu();

    public static Tensor Gelu(Tensor x, bool tanhApproximation = false) => x.Gelu(tanhApproximation);

    /// <summary>softmax(q kᵀ / sqrt(d) + mask) v over the last two dims; <paramref name="mask"/> is added to the
    /// scores (use -inf for blocked positions). Built from matmuls so it runs on every backend.</summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? mask = null)
    {
        using var scope = new TensorScope();
        var scale = 1.0 / Math.Sqrt(q.Size(-1));
        var scores = q.MatMul(k.Transpose(-2, -1)).Mul(scale);
        if (mask is not null)
        {
            scores = scores.Add(mask);
        }

        return scope.MoveToOuter(Softmax(scores, -1).MatMul(v));
    }
}
