using Twa.Torch.Native;

namespace Twa.Torch;

public sealed partial class Tensor
{
    private Tensor Unary(UnaryOp op) => Wrap(NativeMethods.twa_tensor_unary(Handle, (int)op, out var r), r);

    private Tensor UnaryInPlace(UnaryOp op)
    {
        Status.Check(NativeMethods.twa_tensor_unary_(Handle, (int)op));
        return this;
    }

    private Tensor Binary(Tensor other, BinaryOp op, double alpha = 1)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Wrap(NativeMethods.twa_tensor_binary(Handle, other.Handle, (int)op, alpha, out var r), r);
    }

    private Tensor BinaryInPlace(Tensor other, BinaryOp op, double alpha = 1)
    {
        ArgumentNullException.ThrowIfNull(other);
        Status.Check(NativeMethods.twa_tensor_binary_(Handle, other.Handle, (int)op, alpha));
        return this;
    }

    private Tensor Scalar(double s, BinaryOp op, bool reverse = false) =>
        Wrap(NativeMethods.twa_tensor_binary_scalar(Handle, s, (int)op, Flag(reverse), out var r), r);

    private Tensor ScalarInPlace(double s, BinaryOp op)
    {
        Status.Check(NativeMethods.twa_tensor_binary_scalar_(Handle, s, (int)op));
        return this;
    }

    public Tensor Neg() => Unary(UnaryOp.Neg);
    public Tensor Exp() => Unary(UnaryOp.Exp);
    public Tensor Log() => Unary(UnaryOp.Log);
    public Tensor Log1p() => Unary(UnaryOp.Log1p);
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt);
    public Tensor Rsqrt() => Unary(UnaryOp.Rsqrt);
    public Tensor Abs() => Unary(UnaryOp.Abs);
    public Tensor Sign() => Unary(UnaryOp.Sign);
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid);
    public Tensor Tanh() => Unary(UnaryOp.Tanh);
    public Tensor Relu() => Unary(UnaryOp.Relu);

    /// <summary>GELU, exact (erf) form, or the tanh approximation.</summary>
    public Tensor Gelu(bool tanhApproximation = false) => Unary(tanhApproximation ? UnaryOp.GeluTanh : UnaryOp.Gelu);
    public Tensor Sin() => Unary(UnaryOp.Sin);
    public Tensor Cos() => Unary(UnaryOp.Cos);
    public Tensor Reciprocal() => Unary(UnaryOp.Reciprocal);
    public Tensor Square() => Unary(UnaryOp.Square);
    public Tensor Round() => Unary(UnaryOp.Round);
    public Tensor Floor() => Unary(UnaryOp.Floor);
    public Tensor Ceil() => Unary(UnaryOp.Ceil);

    /// <summary>Boolean tensor: true where the element is NaN.</summary>
    public Tensor IsNaN() => Unary(UnaryOp.IsNaN);

    /// <summary>Boolean tensor: true where the element is neither NaN nor infinite.</summary>
    public Tensor IsFinite() => Unary(UnaryOp.IsFinite);
    public Tensor LogicalNot() => Unary(UnaryOp.LogicalNot);

    public Tensor NegInPlace() => UnaryInPlace(UnaryOp.Neg);
    public Tensor ExpInPlace() => UnaryInPlace(UnaryOp.Exp);
    public Tensor SqrtInPlace() => UnaryInPlace(UnaryOp.Sqrt);
    public Tensor AbsInPlace() => UnaryInPlace(UnaryOp.Abs);
    public Tensor ReluInPlace() => UnaryInPlace(UnaryOp.Relu);
    public Tensor RoundInPlace() => UnaryInPlace(UnaryOp.Round);
    public Tensor SquareInPlace() => UnaryInPlace(UnaryOp.Square);

    /// <summary>this + alpha * other (broadcasting).</summary>
    public Tensor Add(Tensor other, double alpha = 1) => Binary(other, BinaryOp.Add, alpha);

    /// <summary>this - alpha * other (broadcasting).</summary>
    public Tensor Sub(Tensor other, double alpha = 1) => Binary(other, BinaryOp.Sub, alpha);
    public Tensor Mul(Tensor other) => Binary(other, BinaryOp.Mul);
    public Tensor Div(Tensor other) => Binary(other, BinaryOp.Div);
    public Tensor Pow(Tensor exponent) => Binary(exponent, BinaryOp.Pow);
    public Tensor Pow(double exponent) => Scalar(exponent, BinaryOp.Pow);
    public Tensor Maximum(Tensor other) => Binary(other, BinaryOp.Maximum);
    public Tensor Minimum(Tensor other) => Binary(other, BinaryOp.Minimum);
    public Tensor Atan2(Tensor other) => Binary(other, BinaryOp.Atan2);
    public Tensor Remainder(Tensor other) => Binary(other, BinaryOp.Remainder);
    public Tensor Remainder(double divisor) => Scalar(divisor, BinaryOp.Remainder);
    public Tensor Eq(Tensor other) => Binary(other, BinaryOp.Eq);
    public Tensor Ne(Tensor other) => Binary(other, BinaryOp.Ne);
    public Tensor Lt(Tensor other) => Binary(other, BinaryOp.Lt);
    public Tensor Le(Tensor other) => Binary(other, BinaryOp.Le);
    public Tensor Gt(Tensor other) => Binary(other, BinaryOp.Gt);
    public Tensor Ge(Tensor other) => Binary(other, BinaryOp.Ge);
    public Tensor Eq(double value) => Scalar(value, BinaryOp.Eq);
    public Tensor Ne(double value) => Scalar(value, BinaryOp.Ne);
    public Tensor Lt(double value) => Scalar(value, BinaryOp.Lt);
    public Tensor Le(double value) => Scalar(value, BinaryOp.Le);
    public Tensor Gt(double value) => Scalar(value, BinaryOp.Gt);
    public Tensor Ge(double value) => Scalar(value, BinaryOp.Ge);
    public Tensor LogicalAnd(Tensor other) => Binary(other, BinaryOp.LogicalAnd);

    /// <summary>Bitwise AND / OR and shifts of integer tensors (u8, i32, i64).</summary>
    public Tensor BitwiseAnd(long mask) => Scalar(mask, BinaryOp.BitwiseAnd);
    public Tensor BitwiseOr(Tensor other) => Binary(other, BinaryOp.BitwiseOr);
    public Tensor BitwiseOrInPlace(Tensor other) => BinaryInPlace(other, BinaryOp.BitwiseOr);
    public Tensor ShiftLeft(long bits) => Scalar(bits, BinaryOp.ShiftLeft);
    public Tensor ShiftRight(long bits) => Scalar(bits, BinaryOp.ShiftRight);
    public Tensor LogicalOr(Tensor other) => Binary(other, BinaryOp.LogicalOr);

    public Tensor Add(double value) => Scalar(value, BinaryOp.Add);
    public Tensor Sub(double value) => Scalar(value, BinaryOp.Sub);
    public Tensor Mul(double value) => Scalar(value, BinaryOp.Mul);
    public Tensor Div(double value) => Scalar(value, BinaryOp.Div);

    /// <summary>In place: this += alpha * other.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1) => BinaryInPlace(other, BinaryOp.Add, alpha);

    /// <summary>In place: this -= alpha * other.</summary>
    public Tensor SubInPlace(Tensor other, double alpha = 1) => BinaryInPlace(other, BinaryOp.Sub, alpha);
    public Tensor MulInPlace(Tensor other) => BinaryInPlace(other, BinaryOp.Mul);
    public Tensor DivInPlace(Tensor other) => BinaryInPlace(other, BinaryOp.Div);
    public Tensor AddInPlace(double value) => ScalarInPlace(value, BinaryOp.Add);
    public Tensor SubInPlace(double value) => ScalarInPlace(value, BinaryOp.Sub);
    public Tensor MulInPlace(double value) => ScalarInPlace(value, BinaryOp.Mul);
    public Tensor DivInPlace(double value) => ScalarInPlace(value, BinaryOp.Div);
    public Tensor PowInPlace(double exponent) => ScalarInPlace(exponent, BinaryOp.Pow);

    /// <summary>Clamps to [min, max]; a null bound is open.</summary>
    public Tensor Clamp(double? min = null, double? max = null) =>
        Wrap(NativeMethods.twa_tensor_clamp(Handle, min ?? 0, max ?? 0, Flag(min.HasValue), Flag(max.HasValue), out var r), r);

    public Tensor ClampInPlace(double? min = null, double? max = null)
    {
        Status.Check(NativeMethods.twa_tensor_clamp_(Handle, min ?? 0, max ?? 0, Flag(min.HasValue), Flag(max.HasValue)));
        return this;
    }

    /// <summary>In place: this += value * t1 * t2.</summary>
    public Tensor AddcmulInPlace(Tensor t1, Tensor t2, double value = 1)
    {
        Status.Check(NativeMethods.twa_tensor_addcmul_(Handle, t1.Handle, t2.Handle, value));
        return this;
    }

    /// <summary>In place: this += value * t1 / t2.</summary>
    public Tensor AddcdivInPlace(Tensor t1, Tensor t2, double value = 1)
    {
        Status.Check(NativeMethods.twa_tensor_addcdiv_(Handle, t1.Handle, t2.Handle, value));
        return this;
    }

    /// <summary>In place: this += weight * (end - this) (an EMA step with weight = 1 - decay).</summary>
    public Tensor LerpInPlace(Tensor end, double weight)
    {
        Status.Check(NativeMethods.twa_tensor_lerp_(Handle, end.Handle, weight));
        return this;
    }

    public Tensor FillInPlace(double value)
    {
        Status.Check(NativeMethods.twa_tensor_fill_(Handle, value));
        return this;
    }

    /// <summary>Zeros the elements in place (keeps the storage: views and .grad aliasing survive).</summary>
    public Tensor ZeroInPlace()
    {
        Status.Check(NativeMethods.twa_tensor_zero_(Handle));
        return this;
    }

    /// <summary>Copies <paramref name="source"/> into this tensor (broadcasting, dtype/device conversion).</summary>
    public Tensor CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Status.Check(NativeMethods.twa_tensor_copy_(Handle, source.Handle));
        return this;
    }

    public Tensor MaskedFill(Tensor mask, double value) =>
        Wrap(NativeMethods.twa_tensor_masked_fill(Handle, mask.Handle, value, out var r), r);

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/> when a NaN or infinity is present.</summary>
    public void CheckFinite(string what) => Status.Check(NativeMethods.twa_tensor_check_finite(Handle, what));

    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator +(Tensor a, double b) => a.Add(b);
    public static Tensor operator -(Tensor a, double b) => a.Sub(b);
    public static Tensor operator *(Tensor a, double b) => a.Mul(b);
    public static Tensor operator /(Tensor a, double b) => a.Div(b);
    public static Tensor operator +(double a, Tensor b) => b.Add(a);
    public static Tensor operator -(double a, Tensor b) => b.Scalar(a, BinaryOp.Sub, reverse: true);
    public static Tensor operator *(double a, Tensor b) => b.Mul(a);
    public static Tensor operator /(double a, Tensor b) => b.Scalar(a, BinaryOp.Div, reverse: true);
    public static Tensor operator -(Tensor a) => a.Neg();
}
