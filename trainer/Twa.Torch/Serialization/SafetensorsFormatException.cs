namespace Twa.Torch.Serialization;

/// <summary>A file is not a well-formed safetensors file: truncated, a header length past the end of the file,
/// a header that is not UTF-8 JSON of the expected shape, an unknown dtype, offsets that do not match
/// shape × element size, or tensor byte ranges that overlap, leave gaps or run past the data buffer. The message
/// names the file and the problem; <see cref="FilePath"/> and <see cref="Problem"/> hold them separately.
/// It derives from <see cref="IOException"/> (<see cref="InvalidDataException"/> is sealed), so handlers of
/// failed file reads catch it too.</summary>
public class SafetensorsFormatException : IOException
{
    public SafetensorsFormatException() { }

    public SafetensorsFormatException(string message) : base(message) { }

    public SafetensorsFormatException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception for <paramref name="problem"/> found in <paramref name="filePath"/>.</summary>
    public SafetensorsFormatException(string filePath, string problem, Exception? inner)
        : base($"{filePath}: not a valid safetensors file: {problem}", inner)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file that was being read, when known.</summary>
    public string? FilePath { get; }

    /// <summary>What is wrong with the file, without the path.</summary>
    public string? Problem { get; }
}
