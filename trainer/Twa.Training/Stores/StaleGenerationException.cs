namespace Twa.Training.Stores;

/// <summary>A commit was refused because the slot already holds state of a newer membership generation: the
/// committing rank belongs to a generation that has been superseded and must rejoin instead of committing.</summary>
public sealed class StaleGenerationException : Exception
{
    public StaleGenerationException() { }

    public StaleGenerationException(string message) : base(message) { }

    public StaleGenerationException(string message, Exception inner) : base(message, inner) { }

    public StaleGenerationException(string slot, long committedGeneration, long attemptedGeneration)
        : base($"state slot '{slot}' holds generation {committedGeneration}; a commit from generation {attemptedGeneration} is stale " +
               "(this rank must abandon the step and rejoin the current generation)")
    {
        Slot = slot;
        CommittedGeneration = committedGeneration;
        AttemptedGeneration = attemptedGeneration;
    }

    public string Slot { get; } = "";

    public long CommittedGeneration { get; }

    public long AttemptedGeneration { get; }
}
