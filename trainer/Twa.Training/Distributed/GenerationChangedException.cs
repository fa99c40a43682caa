namespace Twa.Training.Distributed;

/// <summary>A newer membership generation was published while this rank trained in an older one: the rank abandons
/// the step in flight, leaves its group and rejoins in the new generation (restoring the last committed state).</summary>
public sealed class GenerationChangedException : Exception
{
    public GenerationChangedException() { }

    public GenerationChangedException(string message) : base(message) { }

    public GenerationChangedException(string message, Exception inner) : base(message, inner) { }

    public GenerationChangedException(int current, long newer)
        : base($"membership generation {newer} replaced generation {current}") => (Current, Newer) = (current, newer);

    public int Current { get; }

    public long Newer { get; }
}
