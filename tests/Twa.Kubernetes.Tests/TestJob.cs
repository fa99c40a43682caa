using Twa.Kubernetes.Models;

namespace Twa.Kubernetes.Tests;

/// <summary>A stand-in for the operator's TwaJob: same group/version/plural as the fake server's registered CRD.</summary>
[KubernetesEntity(Group = "twa.dev", ApiVersion = "v1alpha1", Kind = "TwaJob", PluralName = "twajobs")]
public sealed class V1Alpha1TestJob : CustomResource<TestJobSpec, TestJobStatus>
{
    public static V1Alpha1TestJob Create(string name, int replicas = 2, string ns = "default") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Namespace = ns },
        Spec = new TestJobSpec { Replicas = replicas, Image = "twa:1" },
    };
}

public sealed class TestJobSpec
{
    public int? Replicas { get; set; }

    public string? Image { get; set; }
}

public sealed class TestJobStatus
{
    public int? Replicas { get; set; }

    public string? Selector { get; set; }

    public string? Phase { get; set; }

    public IList<V1Condition>? Conditions { get; set; }
}
