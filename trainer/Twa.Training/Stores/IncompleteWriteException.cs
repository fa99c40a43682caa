namespace Twa.Training.Stores;

/// <summary>A new version was incomplete when its commit script ran (Redis lost writes, e.g. restarted without
/// persistence mid-write); <see cref="RedisConnection.Run{T}"/> treats it as transient and writes it again.</summary>
internal sealed class IncompleteWriteException(string message) : Exception(message);
