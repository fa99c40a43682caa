using Twa.Torch;
using Twa.Torch.Nn;
using Twa.Jobs;
using Twa.Training.Models;

namespace Twa.Training.Tests.Models;

public sealed class ModelTests
{
    [Theory]
    [InlineData("mlp", 1, 28, 199_210)]
    [InlineData("lenet5", 1, 28, 61_706)]
    [InlineData("resnet20", 3, 32, 269_722)]
    [InlineData("resnet32", 3, 32, 464_154)]
    [InlineData("resnet56", 3, 32, 853_018)]
    public void Create_KnownArchitecture_HasTheReferenceParameterCount(string arch, long channels, long size, long expected)
    {
        using var model = ModelFactory.Create(arch, [channels, size, size], 10);
        Assert.Equal(expected, model.Parameters.NumElements);
    }

    [Theory]
    [InlineData("mlp", 1, 28)]
    [InlineData("lenet5", 1, 28)]
    [InlineData("lenet5", 3, 32)]
    [InlineData("resnet20", 1, 28)]
    [InlineData("preresnet20", 3, 32)]
    [InlineData("vgg16bn", 3, 32)]
    [InlineData("vit", 1, 28)]
    [InlineData("vit", 3, 32)]
    public void Forward_EveryArchitecture_GivesLogitsAndFlatGradients(string arch, long channels, long size)
    {
        Assert.Contains(arch, ModelSpec.KnownArchitectures);
        using var model = ModelFactory.Create(arch, [channels, size, size], 10);
        using var gen = new Generator(1);
        model.Initialize(gen);
        model.DropoutGenerator = new Generator(2);
        using var scope = new TensorScope();
        var x = Tensors.Randn([2, channels, size, size], gen);
        var logits = model.Forward(x);
        Assert.Equal([2L, 10L], logits.Shape);
        Functional.CrossEntropy(logits, Tensors.FromArray<long>([3, 7])).Backward();
        var g = model.Parameters.FlatGrad;
        Assert.True(g.Abs().Sum().Item() > 0);
        Assert.Equal(0.0, g.IsFinite().LogicalNot().Sum().Item());
    }

    [Fact]
    public void Dropout_SliceOfAGlobalBatch_GetsTheRowsOfTheWholeBatchsMasks()
    {
        using var model = new Phases.DropoutMlp([1, 28, 28], 10, batchNorm: false, p: 0.5);
        using var gen = new Generator(1);
        model.Initialize(gen);
        using var scope = new TensorScope();
        var x = Tensors.Randn([6, 1, 28, 28], gen);

        model.ReseedDropout(9);
        var whole = model.Forward(x).ToArray<float>();
        model.ReseedDropout(9);
        model.DropoutRows = new DropoutRows(6, 2);
        var slice = model.Forward(x.Narrow(0, 2, 3)).ToArray<float>();
        model.ReseedDropout(10);
        model.DropoutRows = null;
        var otherSeed = model.Forward(x).ToArray<float>();

        // Rows 2-4 of the 10 logits: the same masks (BLAS may round a 3-row product differently from a 6-row one);
        // another mask changes a logit by ~0.1.
        Assert.All(whole[20..50].Zip(slice), p => Assert.Equal(p.First, p.Second, 1e-5));
        Assert.Contains(whole.Zip(otherSeed), p => Math.Abs(p.First - p.Second) > 1e-2);
        model.Training = false;
        Assert.Equal(model.Forward(x).ToArray<float>(), model.Forward(x).ToArray<float>()); // eval: no dropout
    }

    [Fact]
    public void ResNet_TrainVersusEval_UsesBatchOrRunningStatistics()
    {
        using var model = new CifarResNet(20, [3, 32, 32], 10);
        using var gen = new Generator(3);
        model.Initialize(gen);
        using var scope = new TensorScope();
        var x = Tensors.Randn([4, 3, 32, 32], gen);
        var train = model.Forward(x);
        var mean = model.Buffers.First(b => b.Name == "bn1.running_mean").Tensor;
        Assert.True(mean.Abs().Sum().Item() > 0); // running stats moved in train mode
        Assert.Equal(1, model.Buffers.First(b => b.Name == "bn1.num_batches_tracked").Tensor.Item());
        model.Training = false;
        var eval1 = model.Forward(x);
        var eval2 = model.Forward(x);
        Assert.Equal(eval1.ToArray<float>(), eval2.ToArray<float>()); // eval is deterministic and leaves stats alone
        Assert.NotEqual(train.ToArray<float>(), eval1.ToArray<float>());
        Assert.Equal(1, model.Buffers.First(b => b.Name == "bn1.num_batches_tracked").Tensor.Item());
    }

    [Fact]
    public void BlockMask_AllKept_EqualsUnmasked_AndSkippingChangesOutput()
    {
        using var model = new CifarResNet(20, [3, 32, 32], 10) { Training = false };
        using var gen = new Generator(4);
        model.Initialize(gen);
        using var scope = new TensorScope();
        var x = Tensors.Randn([2, 3, 32, 32], gen);
        var plain = model.Forward(x).ToArray<float>();
        model.BlockMask = Enumerable.Repeat(true, model.ResidualBlocks.Count).ToArray();
        Assert.Equal(plain, model.Forward(x).ToArray<float>());

        Assert.Equal(9, model.ResidualBlocks.Count);
        Assert.Equal(7, model.ResidualBlocks.Count(b => b.Skippable)); // the two downsampling blocks cannot be dropped
        var mask = model.ResidualBlocks.Select(b => b.Index != 1).ToArray();
        model.BlockMask = mask;
        Assert.NotEqual(plain, model.Forward(x).ToArray<float>());
        model.BlockMask = model.ResidualBlocks.Select(b => b.Index != 3).ToArray(); // layer2.0 downsamples
        Assert.Throws<InvalidOperationException>(() => model.Forward(x));
    }

    [Fact]
    public void LoadBuffers_SavedInAnotherOrder_CopiesEachByName()
    {
        using var model = ModelFactory.Create("resnet8", [3, 32, 32], 10);
        using var scope = new TensorScope();
        var saved = model.Buffers.Select((b, i) => (b.Name, Tensor: b.Tensor.Clone().FillInPlace(i + 1))).Reverse().ToList();

        model.LoadBuffers(saved, "snapshot 3");

        foreach (var ((_, tensor), i) in model.Buffers.Select((b, i) => (b, i)))
        {
            Assert.Equal((i + 1) * (double)tensor.NumElements, tensor.Sum().Item());
        }

        var e = Assert.Throws<InvalidOperationException>(() => model.LoadBuffers(saved.Skip(1), "snapshot 3"));
        Assert.Contains("snapshot 3 has no buffer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FactorizableWeights_AreTheConvAndLinearWeights()
    {
        using var model = new LeNet5([1, 28, 28], 10);
        Assert.Equal(["conv1.weight", "conv2.weight", "fc1.weight", "fc2.weight", "fc3.weight"], model.FactorizableWeights);
    }

    [Fact]
    public void Initialize_SameSeed_SameWeights()
    {
        using var a = new LeNet5([1, 28, 28], 10);
        using var b = new LeNet5([1, 28, 28], 10);
        using var ga = new Generator(9);
        using var gb = new Generator(9);
        a.Initialize(ga);
        b.Initialize(gb);
        Assert.Equal(a.Parameters.Flat.ToArray<float>(), b.Parameters.Flat.ToArray<float>());
        var bound = 1 / Math.Sqrt(25);
        Assert.True(a.Parameters["conv1.weight"].Abs().Max().Item() <= bound);
    }

    [Theory]
    [InlineData("vgg16bn", 1, 28, "at least 32x32")]
    [InlineData("resnet21", 3, 32, "unknown architecture 'resnet21'")]
    public void Create_BadArchitectureOrInput_Explains(string arch, long channels, long size, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelFactory.Create(arch, [channels, size, size], 10));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
