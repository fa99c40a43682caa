namespace Twa.Training.Data;

/// <summary>A dataset that is missing or malformed. The message names the path and what was expected.</summary>
public sealed class DatasetException : Exception
{
    public DatasetException() { }

    public DatasetException(string message) : base(message) { }

    public DatasetException(string message, Exception inner) : base(message, inner) { }
}
