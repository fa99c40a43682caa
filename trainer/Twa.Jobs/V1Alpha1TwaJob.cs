namespace Twa.Jobs;

/// <summary>A TwaJob (twa.dev/v1alpha1): the one file a user writes. `twa train` runs its <c>spec.training</c>
/// locally; the operator runs the same file on Kubernetes. Immutable once loaded.</summary>
public sealed record V1Alpha1TwaJob
{
    public const string Group = "twa.dev";
    public const string Version = "v1alpha1";
    public const string ApiVersionValue = Group + "/" + Version;
    public const string KindValue = "TwaJob";

    public string ApiVersion { get; init; } = "";
    public string Kind { get; init; } = "";
    public ObjectMeta Metadata { get; init; } = new();
    public TwaJobSpec Spec { get; init; } = new();
}
