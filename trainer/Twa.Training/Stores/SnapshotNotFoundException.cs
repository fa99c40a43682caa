namespace Twa.Training.Stores;

/// <summary>A snapshot the job asked for is not in the store (e.g. a TWA range beyond what base training saved).</summary>
public sealed class SnapshotNotFoundException : Exception
{
    public SnapshotNotFoundException() { }

    public SnapshotNotFoundException(string message) : base(message) { }

    public SnapshotNotFoundException(string message, Exception inner) : base(message, inner) { }
}
