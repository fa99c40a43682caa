using Twa.Jobs;
using Twa.Torch;
using Twa.Training.Averaging;
using Twa.Training.Models;
using Twa.Training.Phases;
using Twa.Training.Stores;
using Xunit.Abstractions;

namespace Twa.Training.Tests.Averaging;

/// <summary>Both TWA variants end to end on hand-made snapshots: what the fit holds in memory, the journal variant on a
/// parameter that never changed (ALGORITHMS.md 2.6), and the training-split fit seeing the job's augmentation
/// (ALGORITHMS.md 1.6).</summary>
public sealed class TwaFitTests : IDisposable
{
    private readonly SyntheticSplits _splits = new("twa-fit-", trainCount: 200, testCount: 50,
        new DataSpec { BatchSize = 25, HoldoutFraction = 0.25 }, seed: 5);

    public void Dispose() => _splits.Dispose();

    private static Mlp Model(IReadOnlyList<long> hidden)
    {
        var model = new Mlp([1, 28, 28], 10, hidden);
        using var g = new Generator(11);
        model.Initialize(g);
        return model;
    }

    private PhaseContext Context(Model model, string name, Action<string, long>? afterStep = null) =>
        new(model, _splits.Data, _splits.Spec.BatchSize, 5, new LocalSnapshotStore(Path.Combine(_splits.Directory.FullName, name)), _ => { })
        {
            AfterStep = afterStep,
        };

    /// <summary>Saves <paramref name="count"/> snapshots: the model's weights plus seeded noise of scale 0.05, except in
    /// the parameter tensors named in <paramref name="frozen"/>, which keep the model's values in every snapshot.</summary>
    private static void SaveSnapshots(PhaseContext ctx, int count, params string[] frozen)
    {
        using var scope = new TensorScope();
        using var g = new Generator(21);
        var flat = ctx.Model.Parameters.Flat;
        for (var i = 0; i < count; i++)
        {
            var snapshot = flat.Add(Tensors.Randn(flat.Shape, g).Mul(0.05));
            foreach (var s in ctx.Model.Parameters.Slices.Where(s => frozen.Contains(s.Name)))
            {
                snapshot.Narrow(0, s.Offset, s.NumElements).CopyFrom(flat.Narrow(0, s.Offset, s.NumElements));
            }

            ctx.Store.Save(i, snapshot, ctx.Model.Buffers, new Dictionary<string, string>());
        }
    }

    private static TwaPhaseSpec Spec(TwaVariant variant, int bits = 32, TwaFitOn fitOn = TwaFitOn.Train, int to = 8) => new()
    {
        Variant = variant,
        Snapshots = new SnapshotRangeSpec { From = 0, To = to },
        Epochs = 1,
        FitOn = fitOn,
        ProjectionBits = bits,
        Optimizer = new OptimizerSpec { Lr = variant == TwaVariant.Schmidt ? 2.0 : 1.0, Momentum = 0.9 },
    };

    [Fact]
    public void Centered_ParameterEqualInEverySnapshot_KeepsItsValueBitForBit()
    {
        // 10 snapshots whose fc1.weight (25,088 values) never changed: an f32 mean of 10 equal values is often 1 ulp
        // off, and normalising that residue would make it a unit-norm direction the fit then moves the weights along.
        using var model = Model([32]);
        var ctx = Context(model, "frozen");
        SaveSnapshots(ctx, 10, "fc1.weight");
        var fc1 = model.Parameters.Slices.Single(s => s.Name == "fc1.weight");
        var before = model.Parameters.Flat.Narrow(0, fc1.Offset, fc1.NumElements).ToArray<float>();

        var fit = new CenteredTwa(ctx, Spec(TwaVariant.Centered, to: 10)).Run();

        Assert.Single(fit.History);
        Assert.NotEqual(0, fit.Coordinates.Max(Math.Abs)); // the other blocks did move
        var after = model.Parameters.Flat.Narrow(0, fc1.Offset, fc1.NumElements).ToArray<float>();
        Assert.Equal(before, after);
    }

    [Theory]
    [InlineData(TwaVariant.Schmidt)]
    [InlineData(TwaVariant.Centered)]
    public void Fit_OnTheTrainingSplit_SeesTheJobsAugmentation_OnTheHoldoutNot(TwaVariant variant)
    {
        double[] Fit(TwaFitOn fitOn, AugmentSpec? augment)
        {
            using var model = Model([32]);
            var ctx = Context(model, $"augment-{variant}-{fitOn}-{augment is not null}");
            SaveSnapshots(ctx, 8);
            var spec = Spec(variant, fitOn: fitOn);
            return variant == TwaVariant.Schmidt ? new SchmidtTwa(ctx, spec, augment).Run().Coordinates : new CenteredTwa(ctx, spec, augment).Run().Coordinates;
        }

        var flip = new AugmentSpec { HorizontalFlip = true, RandomCropPadding = 2 };
        Assert.NotEqual(Fit(TwaFitOn.Train, null), Fit(TwaFitOn.Train, flip));
        Assert.Equal(Fit(TwaFitOn.Holdout, null), Fit(TwaFitOn.Holdout, flip));
    }
}

/// <summary>What a fit keeps allocated while it steps: the basis, not the snapshots it was built from nor their f64
/// copies; and that it leaves no tensor behind. Measured with the CPU allocator's in-use bytes and the live tensor
/// count, both process-wide, so the class runs alone.</summary>
[Collection(nameof(ProcessGlobalState))]
public sealed class TwaFitMemoryTests(ITestOutputHelper output) : IDisposable
{
    private readonly SyntheticSplits _splits = new("twa-fit-memory-", trainCount: 100, testCount: 25, new DataSpec { BatchSize = 25 }, seed: 5);

    public void Dispose() => _splits.Dispose();

    [Theory]
    [InlineData(TwaVariant.Schmidt, 32)]
    [InlineData(TwaVariant.Centered, 32)]
    [InlineData(TwaVariant.Centered, 4)]
    public void Fit_WhileStepping_HoldsTheBasisAndNotTheSnapshotMatrix(TwaVariant variant, int bits)
    {
        // D = 669,706 and 8 snapshots: the f32 snapshot matrix alone is 21 MB, its f64 copies 43 MB each.
        using var model = new Mlp([1, 28, 28], 10, [512, 512]);
        using (var g = new Generator(3))
        {
            model.Initialize(g);
        }

        long? inFit = null;
        var ctx = new PhaseContext(model, _splits.Data, 25, 5, new LocalSnapshotStore(Path.Combine(_splits.Directory.FullName, $"{variant}-{bits}")), _ => { })
        {
            AfterStep = (phase, step) => inFit ??= LibTorch.MemoryOf(Device.Cpu).Allocated,
        };
        using (var scope = new TensorScope())
        using (var g = new Generator(4))
        {
            for (var i = 0; i < 8; i++)
            {
                ctx.Store.Save(i, model.Parameters.Flat.Add(Tensors.Randn(model.Parameters.Flat.Shape, g).Mul(0.05)), model.Buffers, new Dictionary<string, string>());
            }
        }

        var spec = new TwaPhaseSpec
        {
            Variant = variant,
            Snapshots = new SnapshotRangeSpec { From = 0, To = 8 },
            Epochs = 1,
            ProjectionBits = bits,
            Optimizer = new OptimizerSpec { Lr = 1.0, Momentum = 0.9 },
        };
        var before = LibTorch.MemoryOf(Device.Cpu).Allocated;
        var liveBefore = LibTorch.LiveTensorCount;

        var fit = variant == TwaVariant.Schmidt ? new SchmidtTwa(ctx, spec).Run() : new CenteredTwa(ctx, spec).Run();

        Assert.Equal(liveBefore, LibTorch.LiveTensorCount); // every tensor of the fit was disposed, none left to the finalizer

        // Beside the basis: the centre (D f32, centered only), the coefficients and their optimizer state (a few
        // hundred values), and slack for the allocator; the snapshot matrix and its copies are several times more.
        var held = inFit!.Value - before;
        var d = model.Parameters.NumElements;
        var snapshotMatrix = 8L * d * 4;
        output.WriteLine($"{variant} {bits} bits: {held:N0} bytes held while stepping, basis {fit.BasisBytes:N0}, D·4 = {d * 4:N0}");
        Assert.True(held <= fit.BasisBytes + d * 4 + snapshotMatrix / 4,
            $"{variant} {bits} bits holds {held:N0} bytes while stepping; its basis is {fit.BasisBytes:N0} bytes, the snapshot matrix {snapshotMatrix:N0}");
    }
}
