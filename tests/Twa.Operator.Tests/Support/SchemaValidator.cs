using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Twa.Operator.Tests.Support;

/// <summary>
/// A small validator for the schema subset we write: <c>type</c>, <c>properties</c>, <c>required</c>,
/// <c>enum</c>, <c>minimum</c>/<c>maximum</c>, <c>minLength</c>/<c>maxLength</c>, <c>minItems</c>/<c>maxItems</c>,
/// <c>items</c>, <c>additionalProperties</c>, <c>format: date-time</c>, list types (set/map uniqueness) and
/// <c>x-kubernetes-preserve-unknown-fields</c>. In <see cref="SchemaDialect.Structural"/> (a CRD) a field not in
/// <c>properties</c> is an error unless preserve-unknown applies (the API server would prune it silently, which
/// for us means a user's typo is lost); in <see cref="SchemaDialect.JsonSchema"/> only
/// <c>additionalProperties: false</c> rejects it. CEL rules are not evaluated. Also applies <c>default</c>s
/// top-down as the API server does.
/// </summary>
internal sealed class SchemaValidator(JsonObject schema, SchemaDialect dialect)
{
    public IReadOnlyList<string> Validate(JsonNode? value)
    {
        var problems = new List<string>();
        Check(schema, value, "", problems);
        return problems;
    }

    /// <summary>A copy of <paramref name="value"/> with every missing field that has a default filled in.</summary>
    public JsonNode? WithDefaults(JsonNode? value)
    {
        var copy = value?.DeepClone();
        Default(schema, copy);
        return copy;
    }

    private static void Default(JsonObject s, JsonNode? value)
    {
        if (value is JsonObject obj && s["properties"] is JsonObject props)
        {
            foreach (var (name, propSchema) in props)
            {
                if (!obj.ContainsKey(name) && propSchema!["default"] is { } d)
                {
                    obj[name] = d.DeepClone();
                }

                if (obj[name] is { } child)
                {
                    Default(propSchema!.AsObject(), child);
                }
            }
        }
        else if (value is JsonArray array && s["items"] is JsonObject items)
        {
            foreach (var item in array)
            {
                Default(items, item);
            }
        }
    }

    private void Check(JsonObject s, JsonNode? value, string path, List<string> problems)
    {
        void Problem(string message) => problems.Add($"{(path.Length == 0 ? "<root>" : path)}: {message}");

        if (value is null)
        {
            if (s["nullable"]?.GetValue<bool>() != true && dialect == SchemaDialect.JsonSchema && (string?)s["type"] != "null")
            {
                Problem("null is not allowed");
            }

            return;
        }

        var type = (string?)s["type"];
        var kind = value.GetValueKind();
        var typeOk = type switch
        {
            null => true,
            "object" => kind == JsonValueKind.Object,
            "array" => kind == JsonValueKind.Array,
            "string" => kind == JsonValueKind.String,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "number" => kind == JsonValueKind.Number,
            "integer" => kind == JsonValueKind.Number && IsInteger(value),
            _ => throw new NotSupportedException($"schema type '{type}' at {path}"),
        };
        if (!typeOk)
        {
            Problem($"expected {type}, got {kind.ToString().ToLowerInvariant()} {value.ToJsonString()}");
            return;
        }

        if (s["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            Problem($"{value.ToJsonString()} is not one of {allowed.ToJsonString()}");
        }

        if (kind == JsonValueKind.Number)
        {
            var n = Num(value);
            if (s["minimum"] is { } min && n < Num(min))
            {
                Problem($"{n.ToString(CultureInfo.InvariantCulture)} is below the minimum {min.ToJsonString()}");
            }

            if (s["maximum"] is { } max && n > Num(max))
            {
                Problem($"{n.ToString(CultureInfo.InvariantCulture)} is above the maximum {max.ToJsonString()}");
            }
        }

        if (kind == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            if (s["maxLength"] is { } maxLength && text.Length > Num(maxLength))
            {
                Problem($"longer than {maxLength.ToJsonString()} characters");
            }

            if (s["minLength"] is { } minLength && text.Length < Num(minLength))
            {
                Problem($"shorter than {minLength.ToJsonString()} characters");
            }

            if ((string?)s["format"] == "date-time" && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, out _))
            {
                Problem($"'{text}' is not a date-time");
            }
        }

        if (value is JsonArray array)
        {
            CheckArray(s, array, path, problems);
        }

        if (value is JsonObject obj)
        {
            CheckObject(s, obj, path, problems);
        }
    }

    private void CheckArray(JsonObject s, JsonArray array, string path, List<string> problems)
    {
        if (s["maxItems"] is { } maxItems && array.Count > Num(maxItems))
        {
            problems.Add($"{path}: {array.Count} items, more than maxItems {maxItems.ToJsonString()}");
        }

        if (s["minItems"] is { } minItems && array.Count < Num(minItems))
        {
            problems.Add($"{path}: {array.Count} items, fewer than minItems {minItems.ToJsonString()}");
        }

        var listType = (string?)s["x-kubernetes-list-type"];
        var keys = listType switch
        {
            "set" => array.Select(i => i?.ToJsonString() ?? "null").ToList(),
            "map" => array.Select(i => string.Join("|", s["x-kubernetes-list-map-keys"]!.AsArray().Select(k => i?[(string)k!]?.ToJsonString()))).ToList(),
            _ => null,
        };
        if (keys is not null && keys.Distinct().Count() != keys.Count)
        {
            problems.Add($"{path}: duplicate items in a list of type {listType}");
        }

        if (s["items"] is JsonObject items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Check(items, array[i], $"{path}[{i}]", problems);
            }
        }
    }

    private void CheckObject(JsonObject s, JsonObject obj, string path, List<string> problems)
    {
        var props = s["properties"] as JsonObject;
        // metadata is the API server's ObjectMeta; a CRD may only say "type: object" there.
        var preserve = s["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true || (path == "metadata" && props is null);
        var additional = s["additionalProperties"];
        foreach (var (name, child) in obj)
        {
            var childPath = path.Length == 0 ? name : $"{path}.{name}";
            if (props?[name] is JsonObject propSchema)
            {
                Check(propSchema, child, childPath, problems);
            }
            else if (additional is JsonObject additionalSchema)
            {
                Check(additionalSchema, child, childPath, problems);
            }
            else if (additional is JsonValue a && a.GetValue<bool>() == false)
            {
                problems.Add($"{childPath}: unknown field (additionalProperties: false)");
            }
            else if (dialect == SchemaDialect.Structural && !preserve)
            {
                problems.Add($"{childPath}: unknown field (the API server would prune it)");
            }
        }

        foreach (var required in s["required"]?.AsArray() ?? [])
        {
            var name = (string)required!;
            if (obj[name] is null)
            {
                problems.Add($"{(path.Length == 0 ? name : $"{path}.{name}")}: required field missing");
            }
        }
    }

    private static double Num(JsonNode node) => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);

    private static bool IsInteger(JsonNode value)
    {
        var d = Num(value);
        return Math.Floor(d) == d && !value.ToJsonString().Contains('.', StringComparison.Ordinal);
    }
}

/// <summary>Which rules apply to fields a schema does not list.</summary>
internal enum SchemaDialect { Structural, JsonSchema }
