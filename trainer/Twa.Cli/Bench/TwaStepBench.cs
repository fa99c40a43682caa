using Twa.Torch;
using Twa.Torch.Nn;
using Twa.Training.Averaging;
using Twa.Training.Models;
using Twa.Training.Optim;

namespace Twa.Cli.Bench;

/// <summary>
/// The trainer's step costs: a plain SGD step (forward, backward, SGD update of the flat weights) against a TWA
/// step of each variant on the same model and batch (forward, backward, coefficient gradient, update of the
/// coefficients, reconstruction of w into the flat buffer), timed as interleaved triples (overhead = median of the
/// per-triple ratios TWA step / SGD step, minus 1; best = fastest TWA step / fastest SGD step, minus 1). Also the basis memory
/// of each configuration against n·D·bits/8.
/// </summary>
internal static class TwaStepBench
{
    private const int Snapshots = 6;
    private const int Batch = 128;

    public static (TwaStepResult[] Steps, BasisMemory[] Memory) Run(BenchSettings settings, TextWriter progress)
    {
        // The thread pools of `twa train`, whoever calls: with OpenBLAS on every core (its default), the schmidt
        // step's two D-long products wake OpenBLAS threads that wait for cores held by libtorch's spinning OpenMP
        // workers or by other processes, and the step took 3-7x an SGD step in a test host beside other tests.
        TrainingThreads.Apply(settings.Threads);
        var steps = new List<TwaStepResult>();
        var memory = new List<BasisMemory>();
        foreach (var (arch, shape) in new[] { ("lenet5", new long[] { 1, 28, 28 }), ("resnet20", new long[] { 3, 32, 32 }) })
        {
            progress.WriteLine($"twa bench: TWA step overhead, {arch}, batch {Batch}, {Snapshots} snapshots ...");
            var (step, mem) = Measure(arch, shape, settings);
            steps.Add(step);
            memory.AddRange(mem);
        }

        return (steps.ToArray(), memory.ToArray());
    }

    private static (TwaStepResult, IEnumerable<BasisMemory>) Measure(string arch, long[] shape, BenchSettings settings)
    {
        using var model = ModelFactory.Create(arch, shape, 10);
        using var gen = new Generator(1);
        model.Initialize(gen);
        using var scope = new TensorScope();
        var d = model.Parameters.NumElements;
        var flat = model.Parameters.Flat;
        var grad = model.Parameters.FlatGrad;
        var x = Tensors.Randn([Batch, .. shape], gen);
        var y = Tensors.RandInt(0, 10, [Batch], gen);
        var w = Tensors.Stack(Enumerable.Range(0, Snapshots).Select(i => flat.Add(Tensors.Randn([d], gen).Mul(0.01 * i))).ToArray());

        using var schmidt = SchmidtBasis.Build(w);
        var p = schmidt.P.To(DType.Float32).Contiguous();
        var pT = p.T();
        var beta = p.Mv(w.Mean([0]));
        var gradBeta = Tensors.Zeros([Snapshots]);

        var blocks = BlockPartition.Sizes(model.Parameters.Slices.Select(s => s.NumElements).ToArray(), 0);
        var ids = BlockPartition.ColumnBlockIds(blocks, Device.Cpu);
        var center = w.Mean([0]);
        using var centered = QuantizedBasis.Build(CenteredTwa.Normalize(w.Sub(center), blocks), blocks, ids, 4);
        var coefficients = Tensors.Zeros([Snapshots, blocks.Length]);
        var gradCoefficients = Tensors.Zeros([Snapshots, blocks.Length]);

        using var sgd = new Sgd(0.9, 5e-4);
        using var sgdBeta = new Sgd(0.9, 1e-5);
        using var sgdX = new Sgd(0.9);
        void ForwardBackward()
        {
            using var s = new TensorScope();
            var loss = Functional.CrossEntropy(model.Forward(x), y);
            model.Parameters.ZeroGrad();
            loss.Backward();
        }

        void Plain()
        {
            ForwardBackward();
            sgd.Update(flat, grad, 1e-3);
        }

        void Schmidt()
        {
            ForwardBackward();
            using (Autograd.NoGrad())
            using (var g = grad.View(d, 1))
            using (var gb = gradBeta.View(Snapshots, 1))
            {
                Tensors.MmOut(gb, p, g);
            }

            sgdBeta.Update(beta, gradBeta, 1e-3);
            using (Autograd.NoGrad())
            using (var column = flat.View(d, 1))
            using (var b = beta.View(Snapshots, 1))
            {
                Tensors.MmOut(column, pT, b);
            }
        }

        void Centered()
        {
            ForwardBackward();
            using var s = new TensorScope();
            using var noGrad = Autograd.NoGrad();
            centered.CoefficientGradient(grad, gradCoefficients); // the fused kernels CenteredTwa.Fit runs
            sgdX.Update(coefficients.View(-1), gradCoefficients.View(-1), 1e-3);
            centered.Reconstruct(center, coefficients, flat);
        }

        // Interleaved triples (SGD, schmidt, centered): the three steps of a triple run within ~50 ms of each other, so
        // the load of this shared machine hits all three alike; the overhead is the median of the per-triple ratios.
        var reps = settings.Quick ? 3 : 10;
        var plain = new List<double>();
        var twa = new List<double>();
        var journal = new List<double>();
        foreach (var warm in new Action[] { Plain, Schmidt, Centered, Plain, Schmidt, Centered })
        {
            warm();
        }

        for (var i = 0; i < Math.Max(settings.Rounds, 1) * reps; i++)
        {
            plain.Add(Timing.Seconds(0, 1, Plain)[0]);
            twa.Add(Timing.Seconds(0, 1, Schmidt)[0]);
            journal.Add(Timing.Seconds(0, 1, Centered)[0]);
        }

        var (sp, st, sj) = (Series.Of(plain), Series.Of(twa), Series.Of(journal));
        double Paired(List<double> steps) => Series.Of(steps.Zip(plain, (t, p) => t / p).ToArray()).Median - 1;
        var result = new TwaStepResult(arch, d, Batch, Snapshots, sp, st, sj, Paired(twa), Paired(journal),
            st.Min / sp.Min - 1, sj.Min / sp.Min - 1);

        var memory = new List<BasisMemory> { new(arch, "schmidt", 32, Snapshots, d, schmidt.P.NumElements * 4L, Snapshots * d * 4L) };
        foreach (var bits in new[] { 32, 16, 8, 4, 2, 1 })
        {
            using var q = QuantizedBasis.Build(CenteredTwa.Normalize(w.Sub(center), blocks), blocks, ids, bits);
            memory.Add(new BasisMemory(arch, "centered", bits, Snapshots, d, q.EntryBytes + q.ScalarBytes, Snapshots * d * bits / 8));
        }

        return (result, memory);
    }
}
