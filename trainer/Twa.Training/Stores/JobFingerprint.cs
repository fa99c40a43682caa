using System.Text.Json;
using System.Text.Json.Nodes;

namespace Twa.Training.Stores;

/// <summary>
/// The fingerprint of a job that a phase commits with its state under <see cref="Key"/>: canonical JSON, in the job
/// file's spelling (camelCase keys in ordinal order, enums as in YAML), of the fields that decide the phase's
/// trajectory, each top-level key named as under <c>spec.training</c>. <see cref="Check"/> refuses the commit of another
/// job, naming every differing field by its job-file path. A field the commit lacks while this job has it at the
/// schema's default is no difference (the trainer that wrote the commit predates the field and ran with its default),
/// so an upgrade that adds a field does not strand running jobs; a commit without the key is accepted. Immutable.
/// </summary>
internal sealed class JobFingerprint
{
    /// <summary>The commit metadata key of the fingerprint.</summary>
    public const string Key = "job";

    private readonly JsonObject _defaults;
    private readonly string[] _order;
    private readonly IReadOnlyDictionary<string, string> _labels;

    /// <param name="fields">This job's fingerprint; its top-level keys in the order a mismatch lists them.</param>
    /// <param name="defaults">The same fingerprint built from the schema's defaults.</param>
    /// <param name="labels">How a mismatch names the leaves that are not spelled <c>spec.training.PATH</c> in a job file
    /// (by dotted path); null = none.</param>
    public JobFingerprint(JsonObject fields, JsonObject defaults, IReadOnlyDictionary<string, string>? labels = null)
    {
        Json = fields.ToJsonString();
        _defaults = defaults;
        _order = [.. fields.Select(kv => kv.Key)];
        _labels = labels ?? new Dictionary<string, string>();
    }

    /// <summary>The fingerprint as committed under <see cref="Key"/>.</summary>
    public string Json { get; }

    /// <summary>Throws <see cref="StateMismatchException"/> naming every field whose value in the fingerprint of
    /// <paramref name="content"/> differs from this one, as "<paramref name="where"/> holds <paramref name="what"/> of
    /// another job: ..."; nothing for a commit without a fingerprint. A fingerprint that is not JSON is a
    /// <see cref="StoreCorruptException"/>.</summary>
    public void Check(CommittedState content, string where, string what)
    {
        if (!content.Metadata.TryGetValue(Key, out var committed) || committed == Json)
        {
            return;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(committed);
        }
        catch (JsonException e)
        {
            throw new StoreCorruptException(content.Location, $"metadata '{Key}' is not JSON ({e.Message}); delete the state to start over", e);
        }

        var before = Leaves(node);
        var now = Leaves(JsonNode.Parse(Json));
        var defaults = Leaves(_defaults);
        var differences = before.Keys.Union(now.Keys)
            .Where(k => before.GetValueOrDefault(k) != now.GetValueOrDefault(k))
            .Where(k => before.ContainsKey(k) || !now.TryGetValue(k, out var value) || defaults.GetValueOrDefault(k) != value)
            .OrderBy(k => Array.IndexOf(_order, k.Split('.')[0]) is var i and >= 0 ? i : _order.Length)
            .ThenBy(k => k, StringComparer.Ordinal)
            .Select(k => $"{FieldPath(k)}: {before.GetValueOrDefault(k) ?? "unset"} in {where}, {now.GetValueOrDefault(k) ?? "unset"} in this job")
            .ToList();
        if (differences.Count > 0)
        {
            throw new StateMismatchException(
                $"{where} holds {what} of another job: {string.Join("; ", differences)}; use another --out directory or store, or delete {where}");
        }
    }

    /// <summary>The job-file path of a fingerprint field.</summary>
    private string FieldPath(string field) => _labels.TryGetValue(field, out var label) ? label : "spec.training." + field;

    /// <summary>The fingerprint's leaves by dotted path: strings as they are, other values (numbers, booleans, arrays) as
    /// JSON, JSON null as "none".</summary>
    private static Dictionary<string, string> Leaves(JsonNode? node)
    {
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? n, string path)
        {
            if (n is JsonObject obj)
            {
                foreach (var (key, child) in obj)
                {
                    Walk(child, path.Length == 0 ? key : $"{path}.{key}");
                }
            }
            else
            {
                leaves[path] = n switch
                {
                    null => "none",
                    JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                    _ => n.ToJsonString(),
                };
            }
        }

        Walk(node, "");
        return leaves;
    }
}
