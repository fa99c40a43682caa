using System.Text.Json;
using System.Text.Json.Serialization;

namespace Twa.Jobs.Operator;

/// <summary>The membership record of OPERATOR.md 3.3, stored in Redis at <c>twa:{ns}:{job}:{uid}:membership</c>:
/// an ordered member list with dense ranks (sorted by ordinal) and the generation's store endpoint. Written only with
/// a compare-and-set on <see cref="Generation"/> (stored generation &lt; new). Immutable; JSON via
/// <see cref="ToJson"/>/<see cref="FromJson"/> in the shape the trainers read.</summary>
public sealed record MembershipRecord
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>UID of the TwaJob; workers reject records carrying another UID.</summary>
    [JsonPropertyName("jobUID")]
    public required string JobUid { get; init; }

    /// <summary>Monotonic generation number (1 = first).</summary>
    public required long Generation { get; init; }

    public int WorldSize => Members.Count;

    /// <summary>Where rank 0 hosts the c10d store; null for a generation without members (suspend).</summary>
    public StoreEndpoint? Store { get; init; }

    /// <summary>Members sorted by ordinal; rank = index.</summary>
    public IReadOnlyList<MembershipMember> Members { get; init; } = [];

    /// <summary>UIDs of pods that were members of an earlier generation and are not in this one: by the worker
    /// protocol they exit ("removed"), so the operator never takes them back as standbys while they are still
    /// running (a readiness probe failing on the way out would otherwise make one look like a standby). Pods listed by
    /// the previous record stay listed while they exist. Workers ignore the field.</summary>
    public IReadOnlyList<string> LeavingPodUids { get; init; } = [];

    /// <summary>Why the generation was published: ScaleUp, ScaleDown, MemberFailed, MemberPreempted, MemberRejoin,
    /// Resume or Suspend (see <see cref="TwaJobReasons"/>).</summary>
    public required string Reason { get; init; }

    public required DateTimeOffset PublishedTime { get; init; }

    /// <summary>True when <paramref name="pod"/> is a member.</summary>
    public bool Contains(string pod) => Members.Any(m => m.Pod == pod);

    /// <summary>The member with rank 0, if any.</summary>
    public MembershipMember? RankZero => Members.FirstOrDefault(m => m.Rank == 0);

    /// <summary>The record as the JSON stored in Redis (camelCase, <c>jobUID</c>, <c>worldSize</c>).</summary>
    public string ToJson() =>
        JsonSerializer.Serialize(new Wire(JobUid, Generation, WorldSize, Store, Members, Reason, PublishedTime, LeavingPodUids.Count == 0 ? null : LeavingPodUids), s_json);

    /// <summary>Parses the stored JSON.</summary>
    /// <exception cref="FormatException">The text is not a membership record (names what is missing).</exception>
    public static MembershipRecord FromJson(string json)
    {
        Wire? w;
        try
        {
            w = JsonSerializer.Deserialize<Wire>(json, s_json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"membership record is not valid JSON: {e.Message}", e);
        }

        if (w is null || string.IsNullOrEmpty(w.JobUid) || string.IsNullOrEmpty(w.Reason) || w.Members is null)
        {
            throw new FormatException("membership record needs jobUID, generation, members and reason");
        }

        if (w.WorldSize != w.Members.Count)
        {
            throw new FormatException($"membership record: worldSize {w.WorldSize} != {w.Members.Count} members");
        }

        return new MembershipRecord
        {
            JobUid = w.JobUid,
            Generation = w.Generation,
            Store = w.Store,
            Members = w.Members,
            Reason = w.Reason,
            PublishedTime = w.PublishedTime,
            LeavingPodUids = w.LeavingPodUids ?? [],
        };
    }

    private sealed record Wire(
        [property: JsonPropertyName("jobUID")] string JobUid,
        long Generation,
        int WorldSize,
        StoreEndpoint? Store,
        IReadOnlyList<MembershipMember> Members,
        string Reason,
        DateTimeOffset PublishedTime,
        [property: JsonPropertyName("leavingPodUIDs")] IReadOnlyList<string>? LeavingPodUids);
}
