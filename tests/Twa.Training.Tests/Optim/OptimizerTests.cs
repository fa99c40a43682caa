using Twa.Torch;
using Twa.Training.Optim;

namespace Twa.Training.Tests.Optim;

/// <summary>The optimizers against the update rules written out in doubles.</summary>
public sealed class OptimizerTests
{
    private static readonly double[] Start = [0.5, -1.0, 2.0];
    private static readonly double[][] Grads = [[0.1, 0.2, -0.3], [-0.4, 0.0, 0.5], [0.3, -0.1, 0.2]];

    private static double[] Run(IOptimizer opt, double lr)
    {
        using var scope = new TensorScope();
        var w = Tensors.FromArray<double>(Start);
        foreach (var g in Grads)
        {
            opt.Update(w, Tensors.FromArray<double>(g), lr);
        }

        return w.ToArray<double>();
    }

    [Theory]
    [InlineData(0.0, 0.0, false)]
    [InlineData(0.9, 0.01, false)]
    [InlineData(0.9, 0.01, true)]
    public void Sgd_ThreeSteps_MatchesTorchRule(double mu, double wd, bool nesterov)
    {
        var w = (double[])Start.Clone();
        double[]? b = null;
        foreach (var g in Grads)
        {
            var d = w.Select((x, i) => g[i] + wd * x).ToArray();
            if (mu != 0)
            {
                b = b is null ? d : b.Select((x, i) => mu * x + d[i]).ToArray();
                d = nesterov ? d.Select((x, i) => x + mu * b[i]).ToArray() : b;
            }

            w = w.Select((x, i) => x - 0.1 * d[i]).ToArray();
        }

        using var opt = new Sgd(mu, wd, nesterov);
        var actual = Run(opt, 0.1);
        Assert.Equal(3, opt.StepCount);
        for (var i = 0; i < w.Length; i++)
        {
            Assert.Equal(w[i], actual[i], 12);
        }
    }

    [Fact]
    public void AdamW_ThreeSteps_MatchesTorchRule()
    {
        const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
        var w = (double[])Start.Clone();
        var m = new double[3];
        var v = new double[3];
        for (var t = 1; t <= Grads.Length; t++)
        {
            var g = Grads[t - 1];
            for (var i = 0; i < 3; i++)
            {
                w[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                var mhat = m[i] / (1 - Math.Pow(b1, t));
                var vhat = v[i] / (1 - Math.Pow(b2, t));
                w[i] -= lr * mhat / (Math.Sqrt(vhat) + eps);
            }
        }

        using var opt = new AdamW(b1, b2, eps, wd);
        var actual = Run(opt, lr);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(w[i], actual[i], 12);
        }
    }

    [Fact]
    public void Restore_FromSavedState_ContinuesIdentically()
    {
        using var scope = new TensorScope();
        using var a = new Sgd(0.9, 1e-3);
        var wa = Tensors.FromArray<double>(Start);
        a.Update(wa, Tensors.FromArray<double>(Grads[0]), 0.1);
        var saved = a.State.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());

        using var b = new Sgd(0.9, 1e-3);
        b.Restore(saved, a.StepCount);
        var wb = wa.Clone();
        a.Update(wa, Tensors.FromArray<double>(Grads[1]), 0.1);
        b.Update(wb, Tensors.FromArray<double>(Grads[1]), 0.1);
        Assert.Equal(wa.ToArray<double>(), wb.ToArray<double>());
        Assert.Equal(2, b.StepCount);
    }
}
