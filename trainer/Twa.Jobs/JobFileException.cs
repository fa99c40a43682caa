namespace Twa.Jobs;

/// <summary>A TwaJob file that cannot be used. <see cref="Exception.Message"/> is ready for the user: the
/// file, then one line per problem with the field path, the line/column and the fix.</summary>
public sealed class JobFileException : Exception
{
    public JobFileException() { }

    public JobFileException(string message) : base(message) { }

    public JobFileException(string message, Exception inner) : base(message, inner) { }

    public JobFileException(string source, IReadOnlyList<string> problems)
        : base(Format(source, problems))
    {
        Problems = problems;
    }

    /// <summary>Each problem as one line ("spec.training.bse (line 9, column 5): unknown field; did you mean 'base'?").</summary>
    public IReadOnlyList<string> Problems { get; } = [];

    private static string Format(string source, IReadOnlyList<string> problems) =>
        problems.Count == 1
            ? $"{source}: {problems[0]}"
            : $"{source}: {problems.Count} problems:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems);
}
