using Twa.Torch;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Storage;

/// <summary>Rebuilding a committed state from a store's metadata: a missing or malformed state field is a
/// <see cref="StoreCorruptException"/> naming the location, and the tensors already read are freed.</summary>
public sealed class StoreMetadataTests
{
    private static Dictionary<string, string> Metadata()
    {
        using var state = new CommittedState { Generation = 1, Step = 7, Epoch = 0, Batch = 7 };
        return StoreMetadata.ForState(state, 3);
    }

    [Theory]
    [InlineData("twa.state.step", null)]      // missing
    [InlineData("twa.state.sequence", null)]  // missing
    [InlineData("twa.state.step", "seven")]   // not an integer
    [InlineData("twa.state.epoch", "4294967296")] // beyond int
    [InlineData("twa.state.rng", "not base64!")]
    public void ToState_MissingOrMalformedField_ThrowsCorruptAndDisposesTheTensors(string key, string? value)
    {
        var metadata = Metadata();
        if (value is null)
        {
            metadata.Remove(key);
        }
        else
        {
            metadata[key] = value;
        }

        var tensors = new List<(string, Tensor)> { ("params", Tensors.Ones([4])), ("buffer.x", Tensors.Zeros([2])) };

        var e = Assert.Throws<StoreCorruptException>(() => StoreMetadata.ToState("/state/base/state-1.safetensors", metadata, tensors));

        Assert.Equal("/state/base/state-1.safetensors", e.Location);
        Assert.All(tensors, t => Assert.True(t.Item2.IsDisposed, $"{t.Item1} was not disposed"));
    }
}
