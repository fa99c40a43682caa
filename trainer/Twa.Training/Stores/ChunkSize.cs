namespace Twa.Training.Stores;

/// <summary>The one rule every store applies to its chunk size: checksums and range reads work on whole f32/f64
/// elements, so a chunk is a positive multiple of 8 bytes.</summary>
internal static class ChunkSize
{
    /// <summary>Returns <paramref name="chunkBytes"/> when valid.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a positive multiple of 8 (named as <paramref name="parameterName"/>).</exception>
    public static int Checked(int chunkBytes, string parameterName)
    {
        if (chunkBytes <= 0 || chunkBytes % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(parameterName, chunkBytes, "the chunk size must be a positive multiple of 8 bytes");
        }

        return chunkBytes;
    }
}
