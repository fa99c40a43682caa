using Twa.Torch;

namespace Twa.Torch.Tests;

/// <summary>One input of a gradient check: its shape and the interval its values are drawn from
/// (optionally with a random sign, to keep clear of a kink at 0).</summary>
public sealed record GradInput(long[] Shape, double Low = -1, double High = 1, bool RandomSign = false);

/// <summary>
/// Compares autograd against central finite differences in f64. The function is scalarised as
/// L = sum(f(x) * R) with a fixed random R so every output element contributes; the reported error is
/// ||analytic - numeric||_2 / max(||numeric||_2, 1e-12) over all inputs.
/// </summary>
public static class GradCheck
{
    private const double Step = 1e-6;

    public static double RelativeError(Func<Tensor[], Tensor> f, IReadOnlyList<GradInput> inputs, int seed = 0)
    {
        using var scope = new TensorScope();
        var rng = new Random(seed);
        var values = inputs.Select(spec => Draw(spec, rng)).ToArray();

        // Fixed weights R for the scalarisation, shaped like the output.
        var probe = f(Make(values, inputs, requiresGrad: false));
        var weights = Tensors.FromArray(Enumerable.Range(0, (int)probe.NumElements).Select(_ => rng.NextDouble() * 2 - 1).ToArray(),
            probe.Shape.Length == 0 ? [] : probe.Shape);

        double Loss(double[][] v)
        {
            using var inner = new TensorScope();
            return f(Make(v, inputs, requiresGrad: false)).Mul(weights).Sum().Item();
        }

        var leaves = Make(values, inputs, requiresGrad: true);
        var loss = f(leaves).Mul(weights).Sum();
        var grads = Autograd.Grad(loss, leaves, allowUnused: true);

        double diff2 = 0, norm2 = 0;
        for (var k = 0; k < values.Length; k++)
        {
            var analytic = grads[k]?.ToArray<double>() ?? new double[values[k].Length];
            for (var i = 0; i < values[k].Length; i++)
            {
                var saved = values[k][i];
                values[k][i] = saved + Step;
                var plus = Loss(values);
                values[k][i] = saved - Step;
                var minus = Loss(values);
                values[k][i] = saved;
                var numeric = (plus - minus) / (2 * Step);
                diff2 += (analytic[i] - numeric) * (analytic[i] - numeric);
                norm2 += numeric * numeric;
            }
        }

        return Math.Sqrt(diff2) / Math.Max(Math.Sqrt(norm2), 1e-12);
    }

    private static double[] Draw(GradInput spec, Random rng)
    {
        var n = spec.Shape.Aggregate(1L, (a, b) => a * b);
        var v = new double[n];
        for (var i = 0; i < n; i++)
        {
            var x = spec.Low + (spec.High - spec.Low) * rng.NextDouble();
            v[i] = spec.RandomSign && rng.Next(2) == 0 ? -x : x;
        }

        return v;
    }

    private static Tensor[] Make(double[][] values, IReadOnlyList<GradInput> inputs, bool requiresGrad)
    {
        var result = new Tensor[values.Length];
        for (var k = 0; k < values.Length; k++)
        {
            var t = Tensors.FromArray<double>(values[k], inputs[k].Shape.Length == 0 ? [] : inputs[k].Shape);
            t.RequiresGrad = requiresGrad;
            result[k] = t;
        }

        return result;
    }
}
