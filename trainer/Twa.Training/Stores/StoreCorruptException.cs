namespace Twa.Training.Stores;

/// <summary>A stored snapshot or committed state failed an integrity check: a chunk's checksum does not match, a
/// value is shorter than its header says, a header is malformed, or a pointer names a version that is gone.
/// <see cref="Location"/> names the file or Redis key (and field); the message says what is wrong and what to do.
/// The store never repairs or overwrites the damaged value on its own.</summary>
public sealed class StoreCorruptException : Exception
{
    public StoreCorruptException() { }

    public StoreCorruptException(string message) : base(message) { }

    public StoreCorruptException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception with a message of the form "<paramref name="location"/>: <paramref name="problem"/>".</summary>
    public StoreCorruptException(string location, string problem, Exception? inner)
        : base($"{location}: {problem}", inner)
    {
        Location = location;
    }

    /// <summary>The file path or Redis key (with field) that failed the check.</summary>
    public string Location { get; } = "";
}
