namespace Twa.Training.Phases;

/// <summary>The loss became NaN or infinite; the message names the phase, epoch and step and suggests a fix.</summary>
public sealed class TrainingDivergedException : Exception
{
    public TrainingDivergedException() { }

    public TrainingDivergedException(string message) : base(message) { }

    public TrainingDivergedException(string message, Exception inner) : base(message, inner) { }
}
