using System.Collections.Concurrent;
using Twa.Jobs;
using Twa.Torch;
using Twa.Training.Averaging;
using Twa.Training.Distributed;
using Twa.Training.Models;
using Twa.Training.Phases;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Distributed;

/// <summary>The SWA baseline on K ranks: every rank reads and averages only its columns of the snapshots, the averages
/// are all-gathered, and every rank then holds the single-rank SWA weights and evaluates them to the same figures.</summary>
public sealed class SwaBaselineRanksIntegrationTests : IDisposable
{
    private readonly SyntheticSplits _splits = new("swa-ranks-", trainCount: 120, testCount: 40, new DataSpec { BatchSize = 20 }, seed: 2);

    public void Dispose() => _splits.Dispose();

    /// <summary>A store that records the column ranges read per thread (one thread per in-process rank).</summary>
    private sealed class RecordingStore(ISnapshotStore inner) : ISnapshotStore
    {
        public ConcurrentDictionary<int, ConcurrentBag<(long Start, long Count)>> Reads { get; } = new();

        public IReadOnlyList<int> Indices() => inner.Indices();

        public void Save(int index, Tensor flatParameters, IReadOnlyList<(string Name, Tensor Tensor)> buffers, IReadOnlyDictionary<string, string> metadata) =>
            inner.Save(index, flatParameters, buffers, metadata);

        public Tensor ReadColumns(int index, long start, long count)
        {
            Record(start, count);
            return inner.ReadColumns(index, start, count);
        }

        public void ReadColumnsInto(int index, long start, Tensor destination)
        {
            Record(start, destination.NumElements);
            inner.ReadColumnsInto(index, start, destination);
        }

        public IReadOnlyList<(string Name, Tensor Tensor)> ReadBuffers(int index) => inner.ReadBuffers(index);

        public long ParameterCount(int index) => inner.ParameterCount(index);

        public IReadOnlyDictionary<string, string> ReadMetadata(int index) => inner.ReadMetadata(index);

        private void Record(long start, long count) => Reads.GetOrAdd(Environment.CurrentManagedThreadId, _ => []).Add((start, count));
    }

    private static Mlp Model()
    {
        var model = new Mlp([1, 28, 28], 10, [16]);
        using var g = new Generator(7);
        model.Initialize(g);
        return model;
    }

    private (float[] Weights, Evaluation Test) Swa(RankGroup ranks, ISnapshotStore store)
    {
        using var model = Model();
        var ctx = new PhaseContext(model, _splits.Data, 20, 2, store, _ => { }) { Ranks = ranks };
        var test = SwaBaseline.Evaluate(ctx, [0, 1, 2, 3]);
        return (model.Parameters.Flat.ToArray<float>(), test);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Evaluate_OnKRanks_ReadsOnlyEachRanksColumns_AndEveryRankEndsAtTheOneRankSwaPoint(int k)
    {
        var store = new RecordingStore(new LocalSnapshotStore(Path.Combine(_splits.Directory.FullName, $"snapshots-{k}")));
        using (var model = Model())
        using (var scope = new TensorScope())
        using (var g = new Generator(9))
        {
            for (var i = 0; i < 4; i++)
            {
                store.Save(i, model.Parameters.Flat.Add(Tensors.Randn(model.Parameters.Flat.Shape, g).Mul(0.1)), model.Buffers, new Dictionary<string, string>());
            }
        }

        var one = Swa(RankGroup.OneRank, store);
        store.Reads.Clear();

        var results = InProcessRanks.Run(k, ranks => (Swa(ranks, store), Columns: ranks.Columns(one.Weights.Length), Thread: Environment.CurrentManagedThreadId));

        foreach (var ((weights, test), columns, thread) in results)
        {
            Assert.Equal(one.Weights, weights);
            Assert.Equal(one.Test, test);
            Assert.All(store.Reads[thread], read => Assert.Equal((columns.Start, columns.Count), read));
            Assert.Equal(4, store.Reads[thread].Count); // one read of its columns per snapshot
        }
    }
}
