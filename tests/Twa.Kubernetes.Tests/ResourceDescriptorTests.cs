using Twa.Kubernetes.Models;

namespace Twa.Kubernetes.Tests;

public sealed class ResourceDescriptorTests
{
    [KubernetesEntity(Group = "twa.dev", ApiVersion = "v1alpha1", Kind = "Widget", PluralName = "widgets")]
    private sealed class Widget : CustomResource<object, object>;

    [Fact]
    public void For_CoreAndGroupedTypes_BuildApiPaths()
    {
        var pods = ResourceDescriptor.For<V1Pod>();
        var leases = ResourceDescriptor.For<V1Lease>();
        var widgets = ResourceDescriptor.For<Widget>();

        Assert.Equal("/api/v1/namespaces/ns/pods/p-0/status", pods.ItemPath("ns", "p-0", "status"));
        Assert.Equal("/api/v1/pods", pods.CollectionPath(null));
        Assert.Equal("coordination.k8s.io/v1", leases.ApiVersion);
        Assert.Equal("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases", leases.CollectionPath("kube-system"));
        Assert.Equal("/apis/twa.dev/v1alpha1/namespaces/a/widgets/w/scale", widgets.ItemPath("a", "w", "scale"));
        Assert.Equal("widgets.twa.dev", widgets.ToString());
    }

    [Fact]
    public void ItemPath_NamespacedWithoutNamespace_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => ResourceDescriptor.For<V1Pod>().ItemPath(null, "x"));

        Assert.Contains("namespace is required", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void For_TypeWithoutAttribute_ThrowsNamingType()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ResourceDescriptor.For<V1Status>());

        Assert.Contains(nameof(V1Status), e.Message, StringComparison.Ordinal);
    }
}
