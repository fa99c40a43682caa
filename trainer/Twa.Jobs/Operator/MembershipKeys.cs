using System.Globalization;

namespace Twa.Jobs.Operator;

/// <summary>
/// The Redis keys and channel of the operator ↔ trainer membership protocol (OPERATOR.md 3.3, 4.3), all under the
/// job's key prefix <c>twa:{ns}:{job}:{uid}:</c>: the record (written by the operator's compare-and-set), the channel
/// announcing a new generation, the per-generation join markers the ranks set, and rank 0's result. One definition
/// for the operator and the trainer. Thread-safe (no state).
/// </summary>
public static class MembershipKeys
{
    /// <summary><c>&lt;prefix&gt;membership</c>: the JSON <see cref="MembershipRecord"/>.</summary>
    public static string Record(string prefix) => Checked(prefix) + "membership";

    /// <summary><c>&lt;prefix&gt;membership:changed</c>: a message with the new generation number after each publish.</summary>
    public static string Channel(string prefix) => Checked(prefix) + "membership:changed";

    /// <summary><c>&lt;prefix&gt;gen:G:joined:R</c>: set (with a TTL) by rank R once it joined generation G.</summary>
    public static string Joined(string prefix, long generation, int rank) =>
        string.Create(CultureInfo.InvariantCulture, $"{Checked(prefix)}gen:{generation}:joined:{rank}");

    /// <summary><c>&lt;prefix&gt;result</c>: rank 0's metrics.json of the finished job.</summary>
    public static string Result(string prefix) => Checked(prefix) + "result";

    private static string Checked(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return prefix.EndsWith(':') ? prefix : throw new ArgumentException($"key prefix '{prefix}' must end with ':'", nameof(prefix));
    }
}
