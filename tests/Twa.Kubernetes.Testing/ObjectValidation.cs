using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Twa.Kubernetes.Testing;

/// <summary>
/// The generic metadata validation every real API server applies (422 Invalid): object names (RFC 1123 subdomain;
/// RFC 1035 label for Services), label keys and values (63-character names, optional DNS prefix), and owner
/// references (required fields, at most one controller). Schema validation of specs is not done.
/// </summary>
internal static partial class ObjectValidation
{
    public static void Validate(StoredResource r, JsonObject obj, string name)
    {
        if (r.Descriptor is { Group: "", Plural: "services" })
        {
            if (name.Length > 63 || !Dns1035Label().IsMatch(name))
            {
                throw ApiError.Invalid(r.Plural, name, $"metadata.name: Invalid value: \"{name}\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, end with an alphanumeric character, and be at most 63 characters");
            }
        }
        else if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
        {
            throw ApiError.Invalid(r.Plural, name, $"metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', must start and end with an alphanumeric character, and be at most 253 characters");
        }

        if (obj["metadata"]?["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                ValidateLabel(r, name, key, value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null);
            }
        }

        if (obj["metadata"]?["ownerReferences"] is JsonArray owners)
        {
            var controllers = 0;
            foreach (var owner in owners)
            {
                foreach (var field in new[] { "apiVersion", "kind", "name", "uid" })
                {
                    if (string.IsNullOrEmpty(JsonTree.Str(owner, field)))
                    {
                        throw ApiError.Invalid(r.Plural, name, $"metadata.ownerReferences.{field}: Required value");
                    }
                }

                if (owner?["controller"] is JsonValue c && c.TryGetValue<bool>(out var isController) && isController)
                {
                    controllers++;
                }
            }

            if (controllers > 1)
            {
                throw ApiError.Invalid(r.Plural, name, "metadata.ownerReferences: Invalid value: only one reference can have Controller set to true");
            }
        }
    }

    private static void ValidateLabel(StoredResource r, string name, string key, string? value)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var prefix = slash >= 0 ? key[..slash] : null;
        var label = slash >= 0 ? key[(slash + 1)..] : key;
        if ((prefix is not null && (prefix.Length > 253 || !Dns1123Subdomain().IsMatch(prefix))) || !IsLabelName(label))
        {
            throw ApiError.Invalid(r.Plural, name, $"metadata.labels: Invalid value: \"{key}\": a label key is an optional DNS subdomain prefix and '/', then a name of at most 63 alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character");
        }

        if (value is null || (value.Length > 0 && !IsLabelName(value)))
        {
            throw ApiError.Invalid(r.Plural, name, $"metadata.labels: Invalid value: \"{value}\": a label value must be empty or at most 63 alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character");
        }
    }

    private static bool IsLabelName(string text) => text.Length is > 0 and <= 63 && LabelName().IsMatch(text);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex LabelName();
}
