using Twa.Torch.Nn;
using Twa.Torch.Serialization;
using Twa.Torch.Tests.TestSupport;

namespace Twa.Torch.Tests.Nn;

public sealed class FlatParametersTests
{
    /// <summary>A tiny MLP, 4 -> 8 -> 3, with PyTorch state_dict names.</summary>
    internal static readonly ParameterSpec[] Mlp =
    [
        new("fc1.weight", [8, 4]),
        new("fc1.bias", [8]),
        new("fc2.weight", [3, 8]),
        new("fc2.bias", [3]),
    ];

    internal static Tensor Forward(IReadOnlyList<Tensor> p, Tensor x) =>
        Functional.Linear(Functional.Relu(Functional.Linear(x, p[0], p[1])), p[2], p[3]);

    internal static Tensor Loss(IReadOnlyList<Tensor> p, Tensor x, Tensor y) => Functional.CrossEntropy(Forward(p, x), y);

    internal static (Tensor X, Tensor Y) Batch(Generator g) => (Tensors.Randn([5, 4], g), Tensors.RandInt(0, 3, [5], g));

    private static int[] Bits(Tensor t) => t.ToArray<float>().Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>Independent leaves holding copies of the flat parameters' current values.</summary>
    private static Tensor[] Copies(FlatParameters model) =>
        model.Parameters.Select(p =>
        {
            var c = p.Detach().Clone();
            c.RequiresGrad = true;
            return c;
        }).ToArray();

    [Fact]
    public void Constructor_Specs_LaysOutLeafViewsContiguouslyInOrder()
    {
        using var scope = new TensorScope();
        using var model = new FlatParameters(Mlp);

        Assert.Equal(67, model.NumElements);
        Assert.Equal([67L], model.Flat.Shape);
        Assert.Equal([67L], model.FlatGrad.Shape);
        Assert.Equal([0L, 32L, 40L, 64L], model.Slices.Select(s => s.Offset));
        Assert.Equal([32L, 8L, 24L, 3L], model.Slices.Select(s => s.NumElements));
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], model.Slices.Select(s => s.Name));
        for (var i = 0; i < Mlp.Length; i++)
        {
            var p = model.Parameters[i];
            Assert.Equal(Mlp[i].Shape, p.Shape);
            Assert.True(p.RequiresGrad);
            Assert.True(p.SharesStorageWith(model.Flat));
            Assert.True(p.Grad!.SharesStorageWith(model.FlatGrad));
        }

        Assert.Same(model.Parameters[2], model["fc2.weight"]);
        Assert.Equal(0.0, model.Flat.Abs().Sum().Item());
    }

    [Fact]
    public void Backward_TwoLayerModel_FlatGradIsBitwiseTheConcatenatedParameterGrads()
    {
        using var scope = new TensorScope();
        using var g = new Generator(1);
        using var model = new FlatParameters(Mlp);
        model.Flat.CopyFrom(Tensors.Randn([model.NumElements], g));
        var (x, y) = Batch(g);
        var reference = Copies(model);

        Loss(model.Parameters, x, y).Backward();
        Loss(reference, x, y).Backward();

        var concatenated = Tensors.Cat(model.Parameters.Select(p => p.Grad!.Flatten()).ToList());
        Assert.Equal(Bits(concatenated), Bits(model.FlatGrad));
        var referenceGrads = Tensors.Cat(reference.Select(p => p.Grad!.Flatten()).ToList());
        Assert.Equal(Bits(referenceGrads), Bits(model.FlatGrad));
        Assert.NotEqual(0.0, model.FlatGrad.Abs().Sum().Item());
    }

    [Fact]
    public void CopyFromFlat_NewVector_ChangesModelOutput()
    {
        using var scope = new TensorScope();
        using var g = new Generator(2);
        using var model = new FlatParameters(Mlp);
        model.Flat.CopyFrom(Tensors.Randn([model.NumElements], g));
        var (x, _) = Batch(g);
        var before = Forward(model.Parameters, x);
        var w = Tensors.Randn([model.NumElements], g);

        model.Flat.CopyFrom(w);

        var after = Forward(model.Parameters, x);
        Assert.NotEqual(Bits(before), Bits(after));
        Assert.Equal(Bits(w), Bits(Tensors.Cat(model.Parameters.Select(p => p.Flatten()).ToList())));
        Assert.Equal(Bits(Forward(Copies(model), x)), Bits(after));
    }

    [Fact]
    public void ZeroGrad_ThenBackward_StillAccumulatesIntoFlatGrad()
    {
        using var scope = new TensorScope();
        using var g = new Generator(3);
        using var model = new FlatParameters(Mlp);
        model.Flat.CopyFrom(Tensors.Randn([model.NumElements], g));
        var (x, y) = Batch(g);
        Loss(model.Parameters, x, y).Backward();
        var first = model.FlatGrad.Clone();

        model.ZeroGrad();
        Assert.Equal(0.0, model.FlatGrad.Abs().Sum().Item());
        Loss(model.Parameters, x, y).Backward();

        Assert.Equal(Bits(first), Bits(model.FlatGrad));
        Loss(model.Parameters, x, y).Backward();
        Assert.Equal(Bits(first.Mul(2)), Bits(model.FlatGrad));
        Assert.All(model.Parameters, p => Assert.True(p.Grad!.SharesStorageWith(model.FlatGrad)));
    }

    [Fact]
    public void NamedParameters_WrittenAsSafetensors_KeepStateDictNamesAndValues()
    {
        using var scope = new TensorScope();
        using var dir = new TempDirectory();
        using var g = new Generator(4);
        using var model = new FlatParameters(Mlp);
        model.Flat.CopyFrom(Tensors.Randn([model.NumElements], g));
        var path = dir.File("model.safetensors");

        SafetensorsFile.Write(path, model.NamedParameters);

        using var content = SafetensorsFile.Read(path);
        Assert.Equal(Mlp.Select(s => s.Name).Order(StringComparer.Ordinal), content.Names.Order(StringComparer.Ordinal));
        foreach (var s in model.Slices)
        {
            Assert.Equal(Bits(model[s.Name]), Bits(content[s.Name]));
        }
    }

    [Fact]
    public void Constructor_Float64OnCpu_UsesThatDType()
    {
        using var model = new FlatParameters(Mlp, DType.Float64, Device.Cpu);

        Assert.Equal(DType.Float64, model.Flat.DType);
        Assert.Equal(DType.Float64, model.Parameters[0].DType);
        Assert.Equal(DeviceType.Cpu, model.FlatGrad.Device.Type);
    }

    [Fact]
    public void Constructor_DuplicateName_Throws()
    {
        Assert.Throws<ArgumentException>(() => new FlatParameters([new("w", [2]), new("w", [3])]));
    }

    [Fact]
    public void Constructor_IntegerDType_Throws()
    {
        Assert.Throws<ArgumentException>(() => new FlatParameters(Mlp, DType.Int64));
    }

    [Fact]
    public void Indexer_UnknownName_ThrowsKeyNotFound()
    {
        using var model = new FlatParameters(Mlp);

        Assert.Throws<KeyNotFoundException>(() => model["fc3.weight"]);
    }

    [Fact]
    public void Flat_AfterDispose_ThrowsObjectDisposed()
    {
        var model = new FlatParameters(Mlp);
        model.Dispose();

        Assert.Throws<ObjectDisposedException>(() => model.Flat);
        Assert.Throws<ObjectDisposedException>(() => model.ZeroGrad());
        model.Dispose();
    }
}
