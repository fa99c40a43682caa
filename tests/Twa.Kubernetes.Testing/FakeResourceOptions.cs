namespace Twa.Kubernetes.Testing;

/// <summary>How the fake server treats a registered resource.</summary>
public sealed record FakeResourceOptions
{
    /// <summary>
    /// A <c>/status</c> subresource exists: main-resource writes ignore <c>.status</c> (and create drops it),
    /// and <c>/status</c> writes change only <c>.status</c>.
    /// </summary>
    public bool StatusSubresource { get; init; }

    /// <summary>The <c>/scale</c> subresource mapping, or null when there is none.</summary>
    public ScaleSubresource? Scale { get; init; }
}
