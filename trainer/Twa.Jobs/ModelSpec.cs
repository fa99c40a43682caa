namespace Twa.Jobs;

/// <summary><c>spec.training.model</c>.</summary>
public sealed record ModelSpec
{
    /// <summary>The architectures a job may name.</summary>
    public static IReadOnlyList<string> KnownArchitectures { get; } =
        ["mlp", "lenet5", "resnet8", "resnet20", "resnet32", "resnet56", "vgg16bn", "preresnet20", "vit"];

    public string Arch { get; init; } = "";
    public int NumClasses { get; init; } = 10;
}
