using Twa.Torch;
using Twa.Torch.Nn;

namespace Twa.Torch.Tests;

/// <summary>Every differentiable op of the binding against central finite differences in f64.</summary>
[Collection(nameof(MemorySensitive))]
public sealed class GradientTests
{
    private const double Tolerance = 1e-6;

    private static GradInput In(long[] shape, double low = -1, double high = 1, bool sign = false) => new(shape, low, high, sign);

    private static Tensor I64(params long[] values) => Tensors.FromArray<long>(values);

    public static TheoryData<string> Ops() => new(Cases.Keys);

    private static readonly Dictionary<string, (Func<Tensor[], Tensor> F, GradInput[] Inputs)> Cases = new()
    {
        // elementwise unary (inputs kept away from kinks and domain edges)
        ["neg"] = (x => x[0].Neg(), [In([3, 4])]),
        ["exp"] = (x => x[0].Exp(), [In([3, 4])]),
        ["log"] = (x => x[0].Log(), [In([3, 4], 0.5, 2)]),
        ["log1p"] = (x => x[0].Log1p(), [In([3, 4], 0, 2)]),
        ["sqrt"] = (x => x[0].Sqrt(), [In([3, 4], 0.5, 2)]),
        ["rsqrt"] = (x => x[0].Rsqrt(), [In([3, 4], 0.5, 2)]),
        ["abs"] = (x => x[0].Abs(), [In([3, 4], 0.1, 1, sign: true)]),
        ["sigmoid"] = (x => x[0].Sigmoid(), [In([3, 4], -3, 3)]),
        ["tanh"] = (x => x[0].Tanh(), [In([3, 4], -2, 2)]),
        ["relu"] = (x => x[0].Relu(), [In([3, 4], 0.1, 1, sign: true)]),
        ["gelu"] = (x => x[0].Gelu(), [In([3, 4], -3, 3)]),
        ["gelu_tanh"] = (x => x[0].Gelu(tanhApproximation: true), [In([3, 4], -3, 3)]),
        ["sin"] = (x => x[0].Sin(), [In([3, 4], -3, 3)]),
        ["cos"] = (x => x[0].Cos(), [In([3, 4], -3, 3)]),
        ["reciprocal"] = (x => x[0].Reciprocal(), [In([3, 4], 0.5, 2, sign: true)]),
        ["square"] = (x => x[0].Square(), [In([3, 4])]),
        ["clamp"] = (x => x[0].Clamp(-0.5, 0.5), [In([4, 5], -1, 1)]),

        // elementwise binary, broadcasting, scalars
        ["add_alpha"] = (x => x[0].Add(x[1], 0.3), [In([3, 4]), In([4])]),
        ["sub_alpha"] = (x => x[0].Sub(x[1], 2.5), [In([3, 4]), In([3, 1])]),
        ["mul"] = (x => x[0] * x[1], [In([3, 4]), In([3, 4])]),
        ["div"] = (x => x[0] / x[1], [In([3, 4]), In([3, 4], 0.5, 2, sign: true)]),
        ["pow_tensor"] = (x => x[0].Pow(x[1]), [In([3, 4], 0.5, 2), In([3, 4])]),
        ["pow_scalar"] = (x => x[0].Pow(2.5), [In([3, 4], 0.5, 2)]),
        ["maximum"] = (x => x[0].Maximum(x[1]), [In([3, 4], 0, 1), In([3, 4], 1.1, 2)]),
        ["minimum"] = (x => x[0].Minimum(x[1]), [In([3, 4], 0, 1), In([3, 4], 1.1, 2)]),
        ["atan2"] = (x => x[0].Atan2(x[1]), [In([3, 4]), In([3, 4], 0.5, 2)]),
        ["scalar_ops"] = (x => (2.0 - x[0]) * 3.0 + 1.0 / x[0] - x[0] / 4.0, [In([3, 4], 0.5, 2)]),
        ["where"] = (x => Tensors.Where(x[0].Gt(0), x[0], x[1]), [In([3, 4], 0.1, 1, sign: true), In([3, 4])]),
        ["masked_fill"] = (x => x[0].MaskedFill(x[0].Lt(0), 0.25), [In([3, 4], 0.1, 1, sign: true)]),

        // reductions
        ["sum_all"] = (x => x[0].Sum(), [In([3, 4])]),
        ["sum_dims"] = (x => x[0].Sum([0, 2], keepDim: true), [In([2, 3, 4])]),
        ["mean"] = (x => x[0].Mean([1]), [In([3, 4])]),
        ["max_dim"] = (x => x[0].Max(1), [In([3, 4])]),
        ["min_all"] = (x => x[0].Min(), [In([3, 4])]),
        ["prod"] = (x => x[0].Prod(1), [In([3, 4], 0.5, 1.5)]),
        ["norm2"] = (x => x[0].Norm(), [In([3, 4])]),
        ["norm1_dims"] = (x => x[0].Norm([1], p: 1), [In([3, 4], 0.1, 1, sign: true)]),
        ["var"] = (x => x[0].Var([1]), [In([3, 5])]),
        ["std_population"] = (x => x[0].Std([0], correction: 0), [In([4, 3])]),
        ["logsumexp"] = (x => x[0].LogSumExp(1), [In([3, 4], -2, 2)]),
        ["cumsum"] = (x => x[0].CumSum(1), [In([3, 4])]),

        // matmul family
        ["matmul_broadcast"] = (x => x[0].MatMul(x[1]), [In([2, 3, 4]), In([4, 5])]),
        ["mm"] = (x => x[0].Mm(x[1]), [In([3, 4]), In([4, 2])]),
        ["bmm"] = (x => x[0].Bmm(x[1]), [In([2, 3, 4]), In([2, 4, 2])]),
        ["mv"] = (x => x[0].Mv(x[1]), [In([3, 4]), In([4])]),
        ["dot"] = (x => x[0].Dot(x[1]), [In([5]), In([5])]),
        ["outer"] = (x => x[0].Outer(x[1]), [In([3]), In([4])]),
        ["addmm"] = (x => Tensors.Addmm(x[0], x[1], x[2], beta: 0.5, alpha: 2), [In([3, 2]), In([3, 4]), In([4, 2])]),

        // shape, indexing, narrowing
        ["view_reshape"] = (x => x[0].View(4, 3).Reshape(2, 6), [In([3, 4])]),
        ["expand"] = (x => x[0].Expand(3, 4), [In([1, 4])]),
        ["permute_transpose"] = (x => x[0].Permute(2, 0, 1).Transpose(0, 1).Contiguous(), [In([2, 3, 4])]),
        ["flatten_unsqueeze_squeeze"] = (x => x[0].Flatten().Unsqueeze(0).Squeeze(0), [In([2, 3, 2])]),
        ["narrow_select"] = (x => x[0].Narrow(1, 1, 2).Select(0, 2), [In([3, 4])]),
        ["index_select"] = (x => x[0].IndexSelect(0, I64(2, 0, 2)), [In([3, 4])]),
        ["gather"] = (x => x[0].Gather(1, Tensors.FromArray<long>([0, 3, 1, 1, 2, 0], [3, 2])), [In([3, 4])]),
        ["cat_stack"] = (x => Tensors.Stack([Tensors.Cat([x[0], x[1]], 1), Tensors.Cat([x[1], x[0]], 1)]), [In([3, 2]), In([3, 2])]),
        ["tril_triu"] = (x => x[0].Tril(-1) + x[0].Triu(1) * 2.0, [In([4, 4])]),
        ["diag"] = (x => x[0].Diag(), [In([4, 4])]),
        ["flip"] = (x => x[0].Flip(0, 1) * x[0], [In([3, 4])]),
        ["pad"] = (x => x[0].Pad([1, 2, 0, 1], 0.5), [In([2, 3])]),
        ["clone_to"] = (x => x[0].Clone().To(DType.Float64, Device.Cpu, copy: true), [In([3, 4])]),

        // nn functional
        ["linear"] = (x => Functional.Linear(x[0], x[1], x[2]), [In([2, 4]), In([3, 4]), In([3])]),
        ["linear_no_bias"] = (x => Functional.Linear(x[0], x[1]), [In([2, 4]), In([3, 4])]),
        ["conv2d"] = (x => Functional.Conv2d(x[0], x[1], x[2], new Conv2dOptions { Stride = 2, Padding = 1 }),
            [In([1, 2, 5, 5]), In([3, 2, 3, 3]), In([3])]),
        ["conv2d_dilated_grouped"] = (x => Functional.Conv2d(x[0], x[1], null, new Conv2dOptions { Dilation = 2, Groups = 2 }),
            [In([1, 4, 6, 6]), In([2, 2, 2, 2])]),
        ["batch_norm_train"] = (x => Functional.BatchNorm(x[0], null, null, x[1], x[2], training: true), [In([4, 3, 2, 2]), In([3]), In([3])]),
        ["batch_norm_eval"] = (x => Functional.BatchNorm(x[0], Tensors.Full([3], 0.1, DType.Float64), Tensors.Full([3], 2.0, DType.Float64),
            x[1], x[2], training: false), [In([4, 3, 2, 2]), In([3]), In([3])]),
        ["layer_norm"] = (x => Functional.LayerNorm(x[0], [4], x[1], x[2]), [In([3, 4]), In([4]), In([4])]),
        ["max_pool2d"] = (x => Functional.MaxPool2d(x[0], 2), [In([1, 2, 4, 4])]),
        ["avg_pool2d"] = (x => Functional.AvgPool2d(x[0], 3, stride: 2, padding: 1), [In([1, 2, 5, 5])]),
        ["adaptive_avg_pool2d"] = (x => Functional.AdaptiveAvgPool2d(x[0], 1), [In([2, 3, 4, 4])]),
        ["dropout_fixed_mask"] = (x => Functional.Dropout(x[0], 0.3, training: true, new Generator(7)), [In([4, 5])]),
        ["embedding"] = (x => Functional.Embedding(x[0], I64(1, 3, 1)), [In([4, 3])]),
        ["softmax"] = (x => Functional.Softmax(x[0], 1), [In([3, 4])]),
        ["log_softmax"] = (x => Functional.LogSoftmax(x[0], 1), [In([3, 4])]),
        ["cross_entropy"] = (x => Functional.CrossEntropy(x[0], I64(0, 2, 3)), [In([3, 4])]),
        ["cross_entropy_smoothed_sum"] = (x => Functional.CrossEntropy(x[0], I64(1, 0, 3), Reduction.Sum, labelSmoothing: 0.1), [In([3, 4])]),
        ["nll_loss"] = (x => Functional.NllLoss(Functional.LogSoftmax(x[0], 1), I64(3, 1, 0)), [In([3, 4])]),
        ["mse_loss"] = (x => Functional.MseLoss(x[0], x[1]), [In([3, 4]), In([3, 4])]),
        ["attention_masked"] = (x => Functional.ScaledDotProductAttention(x[0], x[1], x[2],
            Tensors.FromArray<double>([0, double.NegativeInfinity, 0, 0], [2, 2])), [In([1, 2, 3]), In([1, 2, 3]), In([1, 2, 3])]),

        // linalg (inputs built so the function is smooth at them)
        ["svdvals"] = (x => Linalg.SvdVals(x[0]), [In([4, 3])]),
        ["svd_reconstruct"] = (x => Recompose(Linalg.Svd(x[0])), [In([4, 3])]),
        ["eigh"] = (x => Eigen(x[0]), [In([4, 4])]),
        ["cholesky"] = (x => Linalg.Cholesky(Spd(x[0])), [In([4, 4])]),
        ["solve_triangular"] = (x => Linalg.SolveTriangular(x[0].Tril() + Tensors.Eye(4, DType.Float64) * 3.0, x[1], upper: false),
            [In([4, 4]), In([4, 2])]),
        ["qr"] = (x => QrSum(Linalg.Qr(x[0])), [In([4, 3])]),
        ["inv"] = (x => Linalg.Inv(x[0] + Tensors.Eye(3, DType.Float64) * 4.0), [In([3, 3])]),
    };

    private static Tensor Recompose((Tensor U, Tensor S, Tensor Vh) svd) => svd.U.Mul(svd.S).MatMul(svd.Vh) + svd.S.Sum();

    private static Tensor Spd(Tensor b) => b.T().Mm(b) + Tensors.Eye(b.Size(0), DType.Float64);

    private static Tensor Eigen(Tensor a)
    {
        var (w, v) = Linalg.Eigh(Spd(a));
        return w + v.Mul(w).Mm(v.T()).Sum(); // eigenvalues + a sign-invariant function of the eigenvectors
    }

    private static Tensor QrSum((Tensor Q, Tensor R) qr) => qr.Q.Mm(qr.R) + qr.R.Diag().Abs().Sum();

    [Theory]
    [MemberData(nameof(Ops))]
    public void Backward_EveryDifferentiableOp_MatchesCentralDifferences(string op)
    {
        var (f, inputs) = Cases[op];
        var baseline = LiveTensors.Settle();

        var error = GradCheck.RelativeError(f, inputs);

        Assert.True(error < Tolerance, $"{op}: relative error {error:E2} >= {Tolerance:E0}");
        Assert.Equal(baseline, LibTorch.LiveTensorCount);
    }

    [Fact]
    public void GradCheck_WrongGradient_IsDetected()
    {
        // A function whose autograd gradient is deliberately wrong (detach hides one term):
        // the checker must report a large error, or the table above proves nothing.
        var error = GradCheck.RelativeError(x => x[0] * x[0].Detach(), [In([3, 3], 0.5, 1)]);
        Assert.True(error > 0.1, $"checker missed a wrong gradient (error {error:E2})");
    }
}
