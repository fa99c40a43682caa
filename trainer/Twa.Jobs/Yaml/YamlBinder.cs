using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Twa.Jobs.Operator.Schema;
using YamlDotNet.RepresentationModel;

namespace Twa.Jobs.Yaml;

/// <summary>
/// Binds a YAML node tree onto the schema records (public init properties, camelCase keys). Unlike a
/// serializer it keeps going after an error and reports every problem with its field path, position and
/// a fix: unknown fields (with the closest known name), wrong scalar types, unknown enum values.
/// Properties of type <see cref="YamlNode"/> receive the raw node and <see cref="JsonObject"/> properties a JSON
/// copy of it (opaque sections, e.g. a pod template); properties marked <see cref="RequiredAttribute"/> must be
/// present. Not thread-safe.
/// </summary>
internal sealed class YamlBinder
{
    private static readonly MethodInfo s_clone =
        typeof(object).GetMethod(nameof(MemberwiseClone), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems => _problems;

    public T Bind<T>(YamlNode node, string path) where T : new() => (T)BindObject(typeof(T), node, path, template: null);

    /// <summary>Binds onto a copy of <paramref name="template"/> (the parent's default for this field) so a
    /// partially written section keeps the defaults of the fields it leaves out.</summary>
    private object BindObject(Type type, YamlNode node, string path, object? template)
    {
        var instance = template is null || type.IsDefined(typeof(WrittenWholeAttribute), inherit: false)
            ? Activator.CreateInstance(type)!
            : s_clone.Invoke(template, null)!;
        if (node is not YamlMappingNode map)
        {
            Problem(path, node, $"expected a mapping ({{key: value}}), got {Describe(node)}");
            return instance;
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .ToDictionary(p => CamelCase(p.Name), StringComparer.Ordinal);
        var present = map.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "").ToHashSet(StringComparer.Ordinal);
        foreach (var (name, property) in properties)
        {
            if (!present.Contains(name) && property.IsDefined(typeof(RequiredAttribute)))
            {
                Problem(path.Length == 0 ? name : $"{path}.{name}", map, $"required field missing; add '{name}' to {(path.Length == 0 ? "the document" : path)}");
            }
        }

        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (!properties.TryGetValue(key, out var property))
            {
                var suggestion = Closest(key, properties.Keys);
                Problem(childPath, keyNode, "unknown field" + (suggestion is null
                    ? $"; known fields here: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))}"
                    : $"; did you mean '{suggestion}'?"));
                continue;
            }

            if (IsNull(valueNode) && IsNullable(property))
            {
                property.SetValue(instance, null);
                continue;
            }

            var value = BindValue(property.PropertyType, valueNode, childPath, property.GetValue(instance));
            if (value is not null)
            {
                property.SetValue(instance, value);
            }
        }

        return instance;
    }

    private object? BindValue(Type type, YamlNode node, string path, object? template = null)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (typeof(YamlNode).IsAssignableFrom(underlying))
        {
            return node;
        }

        if (underlying == typeof(JsonObject))
        {
            if (node is not YamlMappingNode)
            {
                Problem(path, node, $"expected a mapping ({{key: value}}), got {Describe(node)}");
                return null;
            }

            return YamlJson.ToJson(node);
        }

        if (underlying.IsArray)
        {
            return BindArray(underlying.GetElementType()!, node, path);
        }

        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            return BindStringMap(node, path);
        }

        if (underlying == typeof(string) || underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(DateTimeOffset))
        {
            return BindScalar(underlying, node, path);
        }

        return BindObject(underlying, node, path, template);
    }

    private Array? BindArray(Type element, YamlNode node, string path)
    {
        if (node is not YamlSequenceNode seq)
        {
            Problem(path, node, $"expected a list ([a, b, ...]), got {Describe(node)}");
            return null;
        }

        var array = Array.CreateInstance(element, seq.Children.Count);
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var v = BindValue(element, seq.Children[i], $"{path}[{i}]");
            if (v is not null)
            {
                array.SetValue(v, i);
            }
        }

        return array;
    }

    private Dictionary<string, string>? BindStringMap(YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            Problem(path, node, $"expected a mapping of strings, got {Describe(node)}");
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            var key = (k as YamlScalarNode)?.Value ?? "";
            if (v is YamlScalarNode s)
            {
                result[key] = s.Value ?? "";
            }
            else
            {
                Problem($"{path}.{key}", v, $"expected a string, got {Describe(v)}");
            }
        }

        return result;
    }

    private object? BindScalar(Type type, YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar || scalar.Value is null)
        {
            Problem(path, node, $"expected {Expected(type)}, got {Describe(node)}");
            return null;
        }

        var text = scalar.Value;
        if (type == typeof(string))
        {
            return text;
        }

        if (type.IsEnum)
        {
            var names = Enum.GetNames(type);
            var match = names.FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
            if (match is not null)
            {
                return Enum.Parse(type, match);
            }

            Problem(path, node, $"'{text}' is not one of: {string.Join(", ", names.Select(n => n.ToLowerInvariant()))}");
            return null;
        }

        var inv = CultureInfo.InvariantCulture;
        if (type == typeof(DateTimeOffset))
        {
            if (DateTimeOffset.TryParse(text, inv, DateTimeStyles.AssumeUniversal, out var time))
            {
                return time;
            }

            Problem(path, node, $"expected an RFC 3339 time (2025-01-31T12:00:00Z), got '{text}'");
            return null;
        }

        object? value = Type.GetTypeCode(type) switch
        {
            TypeCode.Int32 when int.TryParse(text, NumberStyles.Integer, inv, out var i) => i,
            TypeCode.Int64 when long.TryParse(text, NumberStyles.Integer, inv, out var l) => l,
            TypeCode.Double when double.TryParse(text, NumberStyles.Float, inv, out var d) && double.IsFinite(d) => d,
            TypeCode.Boolean when bool.TryParse(text, out var b) => b,
            _ => null,
        };
        if (value is null)
        {
            Problem(path, node, $"expected {Expected(type)}, got '{text}'");
        }

        return value;
    }

    private void Problem(string path, YamlNode node, string message) =>
        _problems.Add($"{path} (line {node.Start.Line}, column {node.Start.Column}): {message}");

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Value: null or "" or "~" or "null" } s && s.Style == YamlDotNet.Core.ScalarStyle.Plain;

    private static bool IsNullable(PropertyInfo p) =>
        Nullable.GetUnderlyingType(p.PropertyType) is not null
        || new NullabilityInfoContext().Create(p).WriteState == NullabilityState.Nullable;

    private static string Expected(Type t) => Type.GetTypeCode(t) switch
    {
        TypeCode.Int32 or TypeCode.Int64 => "an integer",
        TypeCode.Double => "a number",
        TypeCode.Boolean => "true or false",
        _ => "a string",
    };

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode { Value: null or "" } => "nothing",
        YamlScalarNode s => $"'{s.Value}'",
        _ => "something else",
    };

    internal static string CamelCase(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>The known name closest to <paramref name="key"/> by edit distance, when close enough to be a typo.</summary>
    internal static string? Closest(string key, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var k in known)
        {
            var d = Distance(key.ToLowerInvariant(), k.ToLowerInvariant());
            if (d < bestDistance)
            {
                (best, bestDistance) = (k, d);
            }
        }

        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
