using System.Globalization;
using System.Text.Json.Nodes;

namespace Twa.Kubernetes.Testing;

/// <summary>RFC 7386 JSON merge patch and RFC 6902 JSON patch (add, remove, replace, move, copy, test) over JSON trees.</summary>
internal static class JsonPatcher
{
    /// <summary>Applies a merge patch: objects merge recursively, null deletes, anything else (arrays too) replaces.</summary>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var current = result[name];
                result.Remove(name);
                result[name] = Merge(current, value);
            }
        }

        return result;
    }

    /// <summary>Applies JSON patch operations in order to <paramref name="document"/> (mutated in place where possible).</summary>
    /// <exception cref="ApiError">400 for a malformed patch; 422 when an operation cannot apply or a test fails.</exception>
    public static JsonNode? Apply(JsonNode? document, JsonNode? operations)
    {
        if (operations is not JsonArray ops)
        {
            throw ApiError.BadRequest("a JSON patch must be an array of operations");
        }

        foreach (var item in ops)
        {
            if (item is not JsonObject op || JsonTree.Str(op, "op") is not { } kind || JsonTree.Str(op, "path") is not { } path)
            {
                throw ApiError.BadRequest($"invalid JSON patch operation {item?.ToJsonString()}: 'op' and 'path' are required");
            }

            document = kind switch
            {
                "add" => Add(document, path, Value(op)),
                "remove" => Remove(document, path, out _),
                "replace" => Add(Remove(document, path, out _), path, Value(op)),
                "move" => MoveOrCopy(document, From(op), path, move: true),
                "copy" => MoveOrCopy(document, From(op), path, move: false),
                "test" => Test(document, path, Value(op)),
                _ => throw ApiError.BadRequest($"unsupported JSON patch operation '{kind}'"),
            };
        }

        return document;
    }

    private static JsonNode? Value(JsonObject op) =>
        op.ContainsKey("value") ? op["value"]?.DeepClone() : throw ApiError.BadRequest($"JSON patch operation {op.ToJsonString()} needs a 'value'");

    private static string From(JsonObject op) =>
        JsonTree.Str(op, "from") ?? throw ApiError.BadRequest($"JSON patch operation {op.ToJsonString()} needs a 'from'");

    private static JsonNode? MoveOrCopy(JsonNode? document, string from, string path, bool move)
    {
        var value = Find(document, from)?.DeepClone();
        if (move)
        {
            document = Remove(document, from, out value);
        }

        return Add(document, path, value);
    }

    private static JsonNode? Test(JsonNode? document, string path, JsonNode? expected)
    {
        var actual = Find(document, path);
        return JsonNode.DeepEquals(actual, expected)
            ? document
            : throw new ApiError(422, "Invalid", $"the JSON patch test at '{path}' failed: expected {expected?.ToJsonString() ?? "null"}, found {actual?.ToJsonString() ?? "null"}");
    }

    private static JsonNode? Add(JsonNode? document, string path, JsonNode? value)
    {
        if (path.Length == 0)
        {
            return value;
        }

        var (parent, token) = Parent(document, path);
        switch (parent)
        {
            case JsonObject o:
                o.Remove(token);
                o[token] = value;
                break;
            case JsonArray a:
                var index = token == "-" ? a.Count : Index(token, a.Count + 1, path);
                a.Insert(index, value);
                break;
            default:
                throw Unprocessable(path, "the parent is not an object or array");
        }

        return document;
    }

    private static JsonNode? Remove(JsonNode? document, string path, out JsonNode? removed)
    {
        if (path.Length == 0)
        {
            removed = document;
            return null;
        }

        var (parent, token) = Parent(document, path);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(token):
                removed = o[token];
                o.Remove(token);
                break;
            case JsonArray a:
                var index = Index(token, a.Count, path);
                removed = a[index];
                a.RemoveAt(index);
                break;
            default:
                throw Unprocessable(path, "no value exists there");
        }

        removed = removed?.DeepClone();
        return document;
    }

    private static JsonNode? Find(JsonNode? document, string path)
    {
        var node = document;
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject o when o.ContainsKey(token) => o[token],
                JsonArray a => a[Index(token, a.Count, path)],
                _ => throw Unprocessable(path, "no value exists there"),
            };
        }

        return node;
    }

    private static (JsonNode? Parent, string Token) Parent(JsonNode? document, string path)
    {
        var tokens = Tokens(path);
        var parentPath = string.Concat(tokens[..^1].Select(t => "/" + t.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));
        return (Find(document, parentPath), tokens[^1]);
    }

    private static string[] Tokens(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (!path.StartsWith('/'))
        {
            throw ApiError.BadRequest($"invalid JSON pointer '{path}': it must start with '/'");
        }

        return [.. path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }

    private static int Index(string token, int limit, string path) =>
        int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < limit
            ? i
            : throw Unprocessable(path, $"'{token}' is not an index below {limit}");

    private static ApiError Unprocessable(string path, string why) => new(422, "Invalid", $"the JSON patch cannot apply at '{path}': {why}");
}
