using System.Reflection;
using System.Text.Json.Nodes;
using Twa.Jobs;
using Twa.Jobs.Operator;
using Twa.Jobs.Operator.Schema;

namespace Twa.Operator.Crd;

/// <summary>
/// Builds an OpenAPI v3 structural schema from the Twa.Jobs records by reflection: public init properties in
/// camelCase (sorted), <c>type</c> everywhere, enums as string enums with the spellings the YAML binder accepts,
/// descriptions from the XML docs, and the bounds, list types, CEL rules and preserve-unknown markers of the
/// <see cref="Twa.Jobs.Operator.Schema"/> attributes.
/// <para>Defaults: in the operator-owned part of <c>spec</c> every non-required field whose C# initial value is
/// not null gets <c>default:</c> (nested objects <c>{}</c>, so their own defaults apply), the same values the
/// binder fills. <c>spec.training</c> gets none: its defaults depend on the enclosing phase (an optimizer's
/// <c>lr</c> is 0.05 in <c>base</c>, 2.0 in <c>twa</c>), which OpenAPI defaulting cannot express, and the
/// workers bind it with the same binder as <c>twa train</c>. Status gets none either (operator-written).</para>
/// <para>Unannotated arrays and strings under <c>spec</c> get <c>maxItems: 64</c> / <c>maxLength: 4096</c> so the
/// cost of the CEL rule comparing <c>training</c> with its old value stays bounded. Not thread-safe.</para>
/// </summary>
internal sealed class SchemaGenerator(XmlDocumentation docs)
{
    public const int DefaultMaxItems = 64;
    public const int DefaultMaxLength = 4096;

    /// <summary>How a subtree is generated: whether defaults are emitted and whether bounds are added.</summary>
    public enum Mode { Spec, Training, Status }

    /// <summary>The schema of <paramref name="type"/> as the value of a property (described by
    /// <paramref name="property"/>, when given).</summary>
    public JsonObject Schema(Type type, Mode mode, PropertyInfo? property = null)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var schema = new JsonObject();
        var description = (property is null ? null : docs.Of(property)) ?? (IsRecord(underlying) || underlying.IsEnum ? docs.Of(underlying) : null);
        if (description is not null)
        {
            schema["description"] = description;
        }

        if (property?.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
        {
            schema["type"] = "object";
            schema["x-kubernetes-preserve-unknown-fields"] = true;
            return schema;
        }

        if (underlying.IsArray)
        {
            schema["type"] = "array";
            schema["items"] = Schema(underlying.GetElementType()!, mode);
            if (property?.GetCustomAttribute<ListTypeAttribute>() is { } list)
            {
                schema["x-kubernetes-list-type"] = list.ListType;
                if (list.MapKeys.Count > 0)
                {
                    schema["x-kubernetes-list-map-keys"] = new JsonArray([.. list.MapKeys.Select(k => JsonValue.Create(k))]);
                }
            }

            var maxItems = property?.GetCustomAttribute<MaxItemsAttribute>()?.MaxItems;
            if (maxItems is not null || mode != Mode.Status)
            {
                schema["maxItems"] = maxItems ?? DefaultMaxItems;
            }
        }
        else if (underlying.IsEnum)
        {
            schema["type"] = "string";
            schema["enum"] = new JsonArray([.. EnumSpellings(underlying).Select(v => JsonValue.Create(v))]);
        }
        else if (underlying == typeof(string) || underlying == typeof(DateTimeOffset))
        {
            schema["type"] = "string";
            var format = underlying == typeof(DateTimeOffset) ? "date-time" : property?.GetCustomAttribute<FormatAttribute>()?.Format;
            if (format is not null)
            {
                schema["format"] = format;
            }

            var maxLength = property?.GetCustomAttribute<MaxLengthAttribute>()?.MaxLength;
            if (underlying == typeof(string) && (maxLength is not null || mode != Mode.Status))
            {
                schema["maxLength"] = maxLength ?? DefaultMaxLength;
            }
        }
        else if (Type.GetTypeCode(underlying) is TypeCode.Int32 or TypeCode.Int64)
        {
            schema["type"] = "integer";
            schema["format"] = Type.GetTypeCode(underlying) == TypeCode.Int32 ? "int32" : "int64";
        }
        else if (underlying == typeof(double))
        {
            schema["type"] = "number";
            schema["format"] = "double";
        }
        else if (underlying == typeof(bool))
        {
            schema["type"] = "boolean";
        }
        else if (IsRecord(underlying))
        {
            ObjectSchema(underlying, mode, schema);
        }
        else
        {
            throw new NotSupportedException($"{property?.DeclaringType?.Name}.{property?.Name}: no schema for {underlying}; add a case to {nameof(SchemaGenerator)}");
        }

        if (property?.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            if (!double.IsNaN(range.Minimum))
            {
                schema["minimum"] = Number(range.Minimum);
            }

            if (!double.IsNaN(range.Maximum))
            {
                schema["maximum"] = Number(range.Maximum);
            }
        }

        AddRules(schema, property?.GetCustomAttributes<ValidationRuleAttribute>() ?? []);
        return schema;
    }

    /// <summary>The enum values as written in YAML and in the CRD.</summary>
    public static IReadOnlyList<string> EnumSpellings(Type enumType) =>
        [.. Enum.GetValues(enumType).Cast<Enum>().Select(TwaJobJson.EnumSpelling)];

    /// <summary>The serialisable properties of a record, keyed by their camelCase YAML name, sorted.</summary>
    public static IEnumerable<(string Name, PropertyInfo Property)> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0)
            .Select(p => (Name: char.ToLowerInvariant(p.Name[0]) + p.Name[1..], Property: p))
            .OrderBy(p => p.Name, StringComparer.Ordinal);

    private void ObjectSchema(Type type, Mode mode, JsonObject schema)
    {
        schema["type"] = "object";
        var properties = new JsonObject();
        var required = new List<string>();
        var instance = mode == Mode.Spec ? Activator.CreateInstance(type) : null;
        foreach (var (name, property) in Properties(type))
        {
            var childMode = mode == Mode.Spec && property.PropertyType == typeof(TrainingSpec) ? Mode.Training : mode;
            var child = Schema(property.PropertyType, childMode, property);
            var isRequired = property.IsDefined(typeof(RequiredAttribute));
            if (isRequired)
            {
                required.Add(name);
            }
            else if (childMode == Mode.Spec && property.GetValue(instance) is { } value)
            {
                child["default"] = IsRecord(value.GetType()) ? new JsonObject() : ToJson(value);
            }

            properties[name] = child;
        }

        schema["properties"] = properties;
        if (required.Count > 0)
        {
            schema["required"] = new JsonArray([.. required.Select(r => JsonValue.Create(r))]);
        }

        AddRules(schema, type.GetCustomAttributes<ValidationRuleAttribute>());
    }

    /// <summary>A value as JSON in its YAML spelling (see <see cref="TwaJobJson.ToJson"/>).</summary>
    public static JsonNode? ToJson(object? value) => TwaJobJson.ToJson(value);

    private static void AddRules(JsonObject schema, IEnumerable<ValidationRuleAttribute> rules)
    {
        var list = rules.Select(r => (JsonNode)new JsonObject { ["rule"] = r.Rule, ["message"] = r.Message }).ToArray();
        if (list.Length > 0)
        {
            schema["x-kubernetes-validations"] = new JsonArray(list);
        }
    }

    private static JsonValue Number(double v) =>
        v == Math.Floor(v) && Math.Abs(v) < 1e15 ? JsonValue.Create((long)v) : JsonValue.Create(v);

    private static bool IsRecord(Type t) => t.IsClass && t != typeof(string) && !t.IsArray && t.Namespace?.StartsWith("Twa.Jobs", StringComparison.Ordinal) == true;
}
