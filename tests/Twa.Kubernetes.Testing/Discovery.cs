using System.Text.Json.Nodes;
using Twa.Kubernetes;

namespace Twa.Kubernetes.Testing;

/// <summary>
/// The legacy discovery documents of the fake server, built from the registered resources, so that real clients
/// (kubectl) can map <c>twajob/NAME</c> to a REST path: <c>/api</c> (APIVersions), <c>/apis</c> (APIGroupList),
/// <c>/api/v1</c> and <c>/apis/GROUP/VERSION</c> (APIResourceList, with the <c>/status</c> and <c>/scale</c>
/// subresources and the TwaJob's short name). Aggregated discovery is not served; clients fall back to these.
/// Thread-safe (no state).
/// </summary>
internal static class Discovery
{
    private static readonly string[] Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

    /// <summary>The document for <paramref name="path"/>, or null when the path is not a discovery path.</summary>
    public static JsonObject? For(string path, IReadOnlyList<(ResourceDescriptor Descriptor, FakeResourceOptions Options)> registered)
    {
        var trimmed = path.TrimEnd('/');
        if (trimmed == "/api")
        {
            return new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"), ["serverAddressByClientCIDRs"] = new JsonArray() };
        }

        if (trimmed == "/apis")
        {
            var groups = new JsonArray();
            foreach (var g in registered.Where(r => r.Descriptor.Group.Length > 0).GroupBy(r => r.Descriptor.Group).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var versions = new JsonArray();
                foreach (var v in g.Select(r => r.Descriptor.Version).Distinct())
                {
                    versions.Add(new JsonObject { ["groupVersion"] = $"{g.Key}/{v}", ["version"] = v });
                }

                groups.Add(new JsonObject { ["name"] = g.Key, ["versions"] = versions, ["preferredVersion"] = versions[0]!.DeepClone() });
            }

            return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
        }

        var parts = trimmed.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var (group, version) = parts switch
        {
            ["api", var v] => ("", v),
            ["apis", var g, var v] => (g, v),
            _ => (null, null),
        };
        if (group is null)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var (d, options) in registered.Where(r => r.Descriptor.Group == group && r.Descriptor.Version == version))
        {
            var main = new JsonObject
            {
                ["name"] = d.Plural,
                ["singularName"] = d.Kind.ToLowerInvariant(),
                ["namespaced"] = d.Namespaced,
                ["kind"] = d.Kind,
                ["verbs"] = new JsonArray([.. Verbs.Select(v => (JsonNode)v)]),
            };
            if (d.Kind == "TwaJob")
            {
                main["shortNames"] = new JsonArray("twj");
                main["categories"] = new JsonArray("all", "twa");
            }

            resources.Add(main);
            if (options.StatusSubresource)
            {
                resources.Add(Sub(d, "status", d.Kind));
            }

            if (options.Scale is not null)
            {
                resources.Add(Sub(d, "scale", "Scale", "autoscaling", "v1"));
            }
        }

        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}", ["resources"] = resources };
    }

    private static JsonObject Sub(ResourceDescriptor d, string name, string kind, string? group = null, string? version = null)
    {
        var o = new JsonObject
        {
            ["name"] = $"{d.Plural}/{name}",
            ["singularName"] = "",
            ["namespaced"] = d.Namespaced,
            ["kind"] = kind,
            ["verbs"] = new JsonArray("get", "patch", "update"),
        };
        if (group is not null)
        {
            o["group"] = group;
            o["version"] = version;
        }

        return o;
    }
}
