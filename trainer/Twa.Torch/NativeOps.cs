namespace Twa.Torch;

/// <summary>Operation codes of twa_torch.h's dispatching exports (values are ABI).</summary>
internal enum UnaryOp
{
    Neg = 0, Exp = 1, Log = 2, Sqrt = 3, Rsqrt = 4, Abs = 5, Sign = 6, Sigmoid = 7, Tanh = 8, Relu = 9,
    Gelu = 10, Sin = 11, Cos = 12, Reciprocal = 13, Square = 14, IsNaN = 15, IsFinite = 16, Round = 17,
    Floor = 18, Ceil = 19, Log1p = 20, GeluTanh = 21, LogicalNot = 22,
}

internal enum BinaryOp
{
    Add = 0, Sub = 1, Mul = 2, Div = 3, Pow = 4, Maximum = 5, Minimum = 6, Eq = 7, Ne = 8, Lt = 9,
    Le = 10, Gt = 11, Ge = 12, Atan2 = 13, LogicalAnd = 14, LogicalOr = 15, Remainder = 16, BitwiseAnd = 17,
    BitwiseOr = 18, ShiftLeft = 19, ShiftRight = 20,
}

internal enum ReduceKind
{
    Sum = 0, Mean = 1, Max = 2, Min = 3, Prod = 4, ArgMax = 5, ArgMin = 6, Norm = 7, Var = 8, Std = 9,
    Any = 10, All = 11, LogSumExp = 12,
}
