using System.Text.Json.Nodes;

namespace Twa.Kubernetes.Testing;

/// <summary>A registered resource and its objects, keyed "namespace/name" in order. Guarded by the store's lock.</summary>
internal sealed class StoredResource(ResourceDescriptor descriptor, FakeResourceOptions options)
{
    public ResourceDescriptor Descriptor { get; } = descriptor;

    public FakeResourceOptions Options { get; } = options;

    public SortedDictionary<string, JsonObject> Items { get; } = new(StringComparer.Ordinal);

    public string Plural => Descriptor.Plural;
}
