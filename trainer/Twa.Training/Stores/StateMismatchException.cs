namespace Twa.Training.Stores;

/// <summary>The committed state a run would resume from was written by another job: for base training another seed,
/// model, data format, batch size, held-out split, augmentation, base-training recipe or EMA baseline, or another
/// dataset (steps per epoch); for a TWA fit another seed, model, batch size, augmentation or <c>twa</c> section. Resuming it would silently continue that job's trajectory, so the run stops instead; the message names each
/// differing field by its job-file path and says what to do (another output directory or store, or delete the state).
/// `twa train` exits with code 2 (the job does not fit its --out / --store).</summary>
public sealed class StateMismatchException : Exception
{
    public StateMismatchException() { }

    public StateMismatchException(string message) : base(message) { }

    public StateMismatchException(string message, Exception inner) : base(message, inner) { }
}
