using Twa.Torch;
using Twa.Torch.Serialization;
using Twa.Training.Models;

namespace Twa.Training.Tests.Models;

public sealed class StateDictTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-sd-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static CifarResNet Model(ulong seed)
    {
        var m = new CifarResNet(8, [1, 28, 28], 10);
        using var g = new Generator(seed);
        m.Initialize(g);
        return m;
    }

    [Fact]
    public void SaveThenLoad_RoundTripsParametersAndBuffers()
    {
        using var a = Model(1);
        using (var scope = new TensorScope())
        {
            a.Forward(Tensors.Randn([4, 1, 28, 28])); // move the BN running statistics
        }

        var path = Path.Combine(_dir.FullName, "a.safetensors");
        StateDict.Save(a, path);
        using var b = Model(2);
        StateDict.Load(b, path);

        Assert.Equal(a.Parameters.Flat.ToArray<float>(), b.Parameters.Flat.ToArray<float>());
        Assert.Equal(a.Buffers[0].Tensor.ToArray<float>(), b.Buffers[0].Tensor.ToArray<float>());
    }

    [Fact]
    public void Load_DdpModulePrefixAndFloat64_AreAccepted()
    {
        using var a = Model(3);
        var path = Path.Combine(_dir.FullName, "ddp.safetensors");
        using (var scope = new TensorScope())
        {
            SafetensorsFile.Write(path, a.Parameters.NamedParameters.Select(p => ($"module.{p.Name}", p.Tensor.To(DType.Float64))).ToList());
        }

        using var b = Model(4);
        StateDict.Load(b, path);
        Assert.Equal(a.Parameters.Flat.ToArray<float>(), b.Parameters.Flat.ToArray<float>());
    }

    [Fact]
    public void Load_MissingWrongShapeAndUnknownTensors_AreAllNamed()
    {
        using var a = Model(5);
        var path = Path.Combine(_dir.FullName, "bad.safetensors");
        using (var scope = new TensorScope())
        {
            var tensors = a.Parameters.NamedParameters.Where(p => p.Name != "linear.bias")
                .Select(p => p.Name == "conv1.weight" ? (p.Name, Tensors.Zeros([16, 3, 3, 3])) : p).ToList();
            tensors.Add(("fc9.weight", Tensors.Zeros([2])));
            SafetensorsFile.Write(path, tensors);
        }

        var e = Assert.Throws<InvalidDataException>(() => StateDict.Load(a, path));
        Assert.Contains("missing parameter 'linear.bias' [10]", e.Message, StringComparison.Ordinal);
        Assert.Contains("'conv1.weight' has shape [16, 3, 3, 3] but resnet8 needs [16, 1, 3, 3]", e.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected tensor 'fc9.weight'", e.Message, StringComparison.Ordinal);
    }
}
