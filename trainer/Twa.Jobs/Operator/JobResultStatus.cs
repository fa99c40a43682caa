namespace Twa.Jobs.Operator;

/// <summary><c>status.result</c>: from rank 0's termination message; the full result lives in Redis and metrics.json.</summary>
public sealed record JobResultStatus
{
    public string? Message { get; init; }

    /// <summary>Test accuracy of the final model, in [0, 1].</summary>
    public double? TestAccuracy { get; init; }
}
