using System.Reflection;
using System.Text.Json.Nodes;
using Twa.Jobs;
using Twa.Jobs.Operator.Schema;

namespace Twa.Operator.Crd;

/// <summary>Generates the CustomResourceDefinition of an entity type (one version, served and stored) from its
/// <see cref="KubernetesEntityAttribute"/>, subresource and printer-column attributes and the schema of its
/// <c>Spec</c> and <c>Status</c> properties. Thread-safe (no shared state).</summary>
internal static class CrdGenerator
{
    /// <summary>Helm keeps a CRD carrying this annotation on uninstall (deleting it would delete every TwaJob).</summary>
    public const string HelmKeepAnnotation = "helm.sh/resource-policy";

    /// <summary>The CRD of <see cref="V1Alpha1TwaJob"/>.</summary>
    public static JsonObject TwaJob() => Generate(typeof(V1Alpha1TwaJob));

    /// <summary>The CRD of <paramref name="entity"/> as a JSON tree (keys in the order they are written).</summary>
    public static JsonObject Generate(Type entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        var meta = entity.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{entity.Name} has no [{nameof(KubernetesEntityAttribute)}]", nameof(entity));
        var docs = XmlDocumentation.For(entity.Assembly);
        var generator = new SchemaGenerator(docs);

        var root = new JsonObject
        {
            ["description"] = docs.Of(entity) ?? meta.Kind,
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["description"] = "APIVersion of this object: " + meta.Group + "/" + meta.Version, ["type"] = "string" },
                ["kind"] = new JsonObject { ["description"] = "Kind of this object: " + meta.Kind, ["type"] = "string" },
                ["metadata"] = new JsonObject { ["type"] = "object" },
                ["spec"] = generator.Schema(Property(entity, "Spec").PropertyType, SchemaGenerator.Mode.Spec, Property(entity, "Spec")),
                ["status"] = generator.Schema(Property(entity, "Status").PropertyType, SchemaGenerator.Mode.Status, Property(entity, "Status")),
            },
            ["required"] = new JsonArray("spec"),
        };

        var version = new JsonObject
        {
            ["name"] = meta.Version,
            ["served"] = true,
            ["storage"] = true,
            ["subresources"] = Subresources(entity),
            ["additionalPrinterColumns"] = PrinterColumns(entity),
            ["schema"] = new JsonObject { ["openAPIV3Schema"] = root },
        };

        var names = new JsonObject
        {
            ["plural"] = meta.Plural,
            ["singular"] = meta.Kind.ToLowerInvariant(),
            ["kind"] = meta.Kind,
            ["listKind"] = meta.Kind + "List",
        };
        if (entity.GetCustomAttribute<ShortNamesAttribute>() is { } shortNames)
        {
            names["shortNames"] = Strings(shortNames.Names);
        }

        if (entity.GetCustomAttribute<CategoriesAttribute>() is { } categories)
        {
            names["categories"] = Strings(categories.Names);
        }

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject
            {
                ["name"] = meta.Plural + "." + meta.Group,
                ["annotations"] = new JsonObject { [HelmKeepAnnotation] = "keep" },
            },
            ["spec"] = new JsonObject
            {
                ["group"] = meta.Group,
                ["names"] = names,
                ["scope"] = meta.Namespaced ? "Namespaced" : "Cluster",
                ["versions"] = new JsonArray(version),
            },
        };
    }

    private static JsonObject Subresources(Type entity)
    {
        var sub = new JsonObject { ["status"] = new JsonObject() };
        if (entity.GetCustomAttribute<ScaleSubresourceAttribute>() is { } scale)
        {
            sub["scale"] = new JsonObject
            {
                ["specReplicasPath"] = scale.SpecReplicasPath,
                ["statusReplicasPath"] = scale.StatusReplicasPath,
                ["labelSelectorPath"] = scale.LabelSelectorPath,
            };
        }

        return sub;
    }

    private static JsonArray PrinterColumns(Type entity)
    {
        var columns = new JsonArray();
        foreach (var c in entity.GetCustomAttributes<PrinterColumnAttribute>())
        {
            var column = new JsonObject { ["name"] = c.Name, ["type"] = c.Type, ["jsonPath"] = c.JsonPath };
            if (c.Description is not null)
            {
                column["description"] = c.Description;
            }

            if (c.Priority != 0)
            {
                column["priority"] = c.Priority;
            }

            columns.Add(column);
        }

        return columns;
    }

    private static PropertyInfo Property(Type entity, string name) =>
        entity.GetProperty(name) ?? throw new ArgumentException($"{entity.Name} has no {name} property", nameof(entity));

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => JsonValue.Create(v))]);
}
