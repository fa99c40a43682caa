using Twa.Torch.Nn;
using Twa.Torch.Tests.TestSupport;

namespace Twa.Torch.Tests.Nn;

[Collection(LiveTensorCountGroup.Name)]
public sealed class FlatParametersLifetimeTests
{
    [Fact]
    public void Dispose_AfterTrainingSteps_LiveTensorCountReturnsToBaseline()
    {
        var baseline = LiveTensorCountGroup.Baseline();
        using (var g = new Generator(5))
        using (var model = new FlatParameters(FlatParametersTests.Mlp))
        {
            Assert.Equal(baseline + 2 + FlatParametersTests.Mlp.Length, LibTorch.LiveTensorCount);
            for (var step = 0; step < 3; step++)
            {
                using var scope = new TensorScope();
                model.ZeroGrad();
                var (x, y) = FlatParametersTests.Batch(g);
                FlatParametersTests.Loss(model.Parameters, x, y).Backward();
                model.Flat.SubInPlace(model.FlatGrad, alpha: 0.1);
            }
        }

        Assert.Equal(baseline, LibTorch.LiveTensorCount);
    }

    [Fact]
    public void Constructor_InsideScope_ModelTensorsSurviveTheScope()
    {
        var baseline = LiveTensorCountGroup.Baseline();
        FlatParameters model;
        using (var scope = new TensorScope())
        {
            model = new FlatParameters(FlatParametersTests.Mlp);
        }

        using (model)
        {
            Assert.False(model.Flat.IsDisposed);
            Assert.All(model.Parameters, p => Assert.False(p.IsDisposed));
            Assert.Equal(baseline + 2 + FlatParametersTests.Mlp.Length, LibTorch.LiveTensorCount);
        }

        Assert.Equal(baseline, LibTorch.LiveTensorCount);
    }
}
