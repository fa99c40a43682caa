using Twa.Torch;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Storage;

/// <summary>The behaviour every <see cref="IStateStore"/> must have; run against each implementation.</summary>
public abstract class StateStoreContractTests
{
    /// <summary>A new, empty store with 64-byte chunks, owned by the test class.</summary>
    protected abstract IStateStore CreateStore();

    /// <summary>Flips a byte in the data of the latest commit of <paramref name="slot"/>.</summary>
    protected abstract void CorruptLatest(IStateStore store, string slot);

    /// <summary>What an integrity error for the latest commit of <paramref name="slot"/> must name.</summary>
    protected abstract string LocationOfLatest(IStateStore store, string slot);

    /// <summary>A state whose every tensor element equals <paramref name="k"/> (coefficients 50 f32, moments 70 f64,
    /// a BN counter i64), step = k; owns its tensors.</summary>
    protected static CommittedState StateOf(long k, long generation = 1) => new CommittedState
    {
        Generation = generation,
        Step = k,
        Epoch = (int)(k / 10),
        Batch = (int)(k % 10),
        RngState = new byte[] { 1, 2, 3, (byte)k },
        Tensors =
        [
            (CommittedState.CoefficientsName, Tensors.Full([5, 10], k)),
            (CommittedState.OptimizerPrefix + "momentum", Tensors.Full([70], k, DType.Float64)),
            (CommittedState.BufferPrefix + "bn.num_batches_tracked", Tensors.Full([1], k, DType.Int64)),
        ],
        Metadata = new Dictionary<string, string> { ["arch"] = "mlp", ["phase"] = "twa" },
    }.Owning();

    [Fact]
    public void ReadLatest_NothingCommitted_ReturnsNull()
    {
        var store = CreateStore();
        Assert.Null(store.ReadLatest("twa"));
    }

    [Fact]
    public void Commit_ThenReadLatest_RoundTripsEveryField()
    {
        var store = CreateStore();
        using var state = StateOf(23, generation: 4);
        Assert.Equal(1, store.Commit("twa", state));
        using var read = store.ReadLatest("twa");
        Assert.NotNull(read);
        Assert.Equal(1, read.Sequence);
        Assert.Equal(4, read.Generation);
        Assert.Equal(23, read.Step);
        Assert.Equal(2, read.Epoch);
        Assert.Equal(3, read.Batch);
        Assert.Equal(new byte[] { 1, 2, 3, 23 }, read.RngState.ToArray());
        Assert.Equal("mlp", read.Metadata["arch"]);
        Assert.Equal(2, read.Metadata.Count);
        Assert.Equal(state.Tensors.Select(t => t.Name).Order(), read.Tensors.Select(t => t.Name).Order());
        Assert.Equal([5, 10], read[CommittedState.CoefficientsName].Shape);
        Assert.All(read[CommittedState.CoefficientsName].ToArray<float>(), x => Assert.Equal(23f, x));
        Assert.Equal(DType.Float64, read["optimizer.momentum"].DType);
        Assert.All(read["optimizer.momentum"].ToArray<double>(), x => Assert.Equal(23d, x));
        Assert.Equal([23L], read["buffer.bn.num_batches_tracked"].ToArray<long>());
    }

    [Fact]
    public void Commit_Twice_LatestWinsAndSequenceIncrements()
    {
        var store = CreateStore();
        using (var s1 = StateOf(1))
        using (var s2 = StateOf(2))
        {
            Assert.Equal(1, store.Commit("twa", s1));
            Assert.Equal(2, store.Commit("twa", s2));
        }

        using var read = store.ReadLatest("twa");
        Assert.Equal(2, read!.Step);
        Assert.Equal(2, read.Sequence);
    }

    [Fact]
    public void Commit_OlderGeneration_ThrowsStaleAndKeepsTheLatest()
    {
        var store = CreateStore();
        using (var s = StateOf(5, generation: 3))
        {
            store.Commit("twa", s);
        }

        using (var stale = StateOf(6, generation: 2))
        {
            var e = Assert.Throws<StaleGenerationException>(() => store.Commit("twa", stale));
            Assert.Equal(3, e.CommittedGeneration);
            Assert.Equal(2, e.AttemptedGeneration);
        }

        using var read = store.ReadLatest("twa");
        Assert.Equal(5, read!.Step);
        using var newer = StateOf(7, generation: 4);
        Assert.Equal(2, store.Commit("twa", newer));
    }

    [Fact]
    public void Commit_DifferentSlots_AreIndependent()
    {
        var store = CreateStore();
        using (var b = StateOf(100))
        using (var t = StateOf(7))
        {
            store.Commit("base", b);
            store.Commit("twa", t);
        }

        using var rb = store.ReadLatest("base");
        using var rt = store.ReadLatest("twa");
        Assert.Equal(100, rb!.Step);
        Assert.Equal(7, rt!.Step);
        Assert.Equal(1, rt.Sequence);
    }

    [Fact]
    public void Commit_EmptyStateWithoutTensors_RoundTrips()
    {
        var store = CreateStore();
        store.Commit("base", new CommittedState { Step = 9 });
        using var read = store.ReadLatest("base");
        Assert.Equal(9, read!.Step);
        Assert.Empty(read.Tensors);
        Assert.True(read.RngState.IsEmpty);
    }

    [Fact]
    public void Commit_ZeroElementAndBf16AndBoolTensors_RoundTrip()
    {
        var store = CreateStore();
        using var state = new CommittedState
        {
            Step = 1,
            Tensors =
            [
                (CommittedState.BufferPrefix + "empty", Tensors.Zeros([0, 4])),
                (CommittedState.BufferPrefix + "half", Tensors.FromSpan<ushort>([0x3F80, 0xC000, 0x3F00], DType.BFloat16, [3])),
                (CommittedState.BufferPrefix + "mask", Tensors.FromArray<bool>([true, false, true, true], [2, 2])),
            ],
        }.Owning();
        store.Commit("base", state);
        using var read = store.ReadLatest("base");
        Assert.NotNull(read);
        Assert.Equal([0, 4], read["buffer.empty"].Shape);
        Assert.Equal(new ushort[] { 0x3F80, 0xC000, 0x3F00 }, read["buffer.half"].ToArray<ushort>());
        Assert.Equal(new[] { true, false, true, true }, read["buffer.mask"].ToArray<bool>());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("with space")]
    public void Commit_InvalidSlot_ThrowsArgumentException(string slot)
    {
        var store = CreateStore();
        Assert.ThrowsAny<ArgumentException>(() => store.Commit(slot, new CommittedState()));
    }

    [Fact]
    public void Commit_ReservedMetadataKey_ThrowsArgumentException()
    {
        var store = CreateStore();
        var e = Assert.Throws<ArgumentException>(() => store.Commit("twa", new CommittedState { Metadata = new Dictionary<string, string> { ["twa.state.step"] = "1" } }));
        Assert.Contains("twa.state.step", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task ReadLatest_DuringCommits_NeverSeesATornState()
    {
        var store = CreateStore();
        using (var first = StateOf(0))
        {
            store.Commit("twa", first);
        }

        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            try
            {
                for (var k = 1; k <= 40; k++)
                {
                    using var s = StateOf(k);
                    store.Commit("twa", s);
                }
            }
            finally
            {
                stop.Cancel();
            }
        });
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var reads = 0;
            long last = 0;
            while (!stop.IsCancellationRequested || reads == 0)
            {
                using var s = store.ReadLatest("twa")!;
                Assert.True(s.Step >= last, "the latest state went backwards");
                last = s.Step;
                Assert.Equal(s.Step + 1, s.Sequence);
                Assert.All(s[CommittedState.CoefficientsName].ToArray<float>(), x => Assert.Equal(s.Step, x));
                Assert.All(s["optimizer.momentum"].ToArray<double>(), x => Assert.Equal(s.Step, x));
                Assert.Equal(s.Step, s["buffer.bn.num_batches_tracked"].ToArray<long>()[0]);
                reads++;
            }

            return reads;
        })).ToArray();
        await writer;
        var counts = await Task.WhenAll(readers);
        Assert.All(counts, c => Assert.True(c > 0));
        using var final = store.ReadLatest("twa");
        Assert.Equal(40, final!.Step);
    }

    [Fact]
    public void Indexer_TensorNotInTheReadCommit_ThrowsCorruptNamingTheLocationAndTheName()
    {
        var store = CreateStore();
        using (var s = StateOf(3))
        {
            store.Commit("twa", s);
        }

        using var read = store.ReadLatest("twa")!;
        var e = Assert.Throws<StoreCorruptException>(() => read[CommittedState.BufferPrefix + "bn.running_mean"]);
        Assert.Equal(LocationOfLatest(store, "twa"), e.Location);
        Assert.Contains("no tensor 'buffer.bn.running_mean'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadLatest_CorruptLatest_ThrowsNamingLocation()
    {
        var store = CreateStore();
        using (var s = StateOf(3))
        {
            store.Commit("twa", s);
        }

        CorruptLatest(store, "twa");
        var e = Assert.Throws<StoreCorruptException>(() => store.ReadLatest("twa")?.Dispose());
        Assert.Contains(LocationOfLatest(store, "twa"), e.Message, StringComparison.Ordinal);
    }
}
