using Twa.Training.Data;
using Twa.Training.Models;
using Twa.Training.Stores;

namespace Twa.Training.Phases;

/// <summary>What every phase of one run shares: the model, the data, the seed, the snapshot store and where
/// progress lines go.</summary>
public sealed record PhaseContext(Model Model, DatasetSplits Data, int BatchSize, ulong Seed, ISnapshotStore Store, Action<string> Log);
