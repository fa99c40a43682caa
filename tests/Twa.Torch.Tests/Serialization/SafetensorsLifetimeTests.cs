using Twa.Torch.Serialization;
using Twa.Torch.Tests.TestSupport;

namespace Twa.Torch.Tests.Serialization;

[Collection(LiveTensorCountGroup.Name)]
public sealed class SafetensorsLifetimeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void WriteReadDispose_AllTensors_LiveTensorCountReturnsToBaseline()
    {
        var baseline = LiveTensorCountGroup.Baseline();
        var path = _dir.File("leak.safetensors");
        using (var scope = new TensorScope())
        {
            SafetensorsFile.Write(path, [("a", Tensors.Ones([3, 3]).T()), ("b", Tensors.Zeros([2], DType.Int64))]);
        }

        using (var content = SafetensorsFile.Read(path))
        {
            Assert.Equal(2, content.Tensors.Count);
        }

        using (var reader = SafetensorsFile.Open(path))
        {
            reader.ReadElements("a", 1, 4).Dispose();
            reader.ReadTensor("b").Dispose();
        }

        Assert.Equal(baseline, LibTorch.LiveTensorCount);
    }

    [Fact]
    public void Read_InsideScope_ContentOwnsTensorsBeyondTheScope()
    {
        var path = _dir.File("scope.safetensors");
        using (var scope = new TensorScope())
        {
            SafetensorsFile.Write(path, [("a", Tensors.Ones([2]))]);
        }

        SafetensorsContent content;
        using (var scope = new TensorScope())
        {
            content = SafetensorsFile.Read(path);
        }

        using (content)
        {
            Assert.False(content["a"].IsDisposed);
            Assert.Equal([1f, 1f], content["a"].ToArray<float>());
        }

        Assert.True(content["a"].IsDisposed);
    }
}
