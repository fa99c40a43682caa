namespace Twa.Training.Stores;

/// <summary>A failure on a <see cref="RespBulkReader"/> connection. <see cref="ServerReply"/> is the text of an error
/// reply (without its '-'), null when the connection itself failed. <see cref="RedisConnection.Run{T}"/> retries it
/// when <see cref="Transient"/>: a lost, closed, timed-out or out-of-step connection, or a "not now" reply such as
/// LOADING after a restart.</summary>
internal sealed class RespException(string message, bool transient, string? serverReply = null, Exception? inner = null)
    : Exception(message, inner)
{
    public bool Transient { get; } = transient;

    public string? ServerReply { get; } = serverReply;
}
