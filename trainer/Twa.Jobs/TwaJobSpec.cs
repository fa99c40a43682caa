using YamlDotNet.RepresentationModel;

namespace Twa.Jobs;

/// <summary><c>spec</c> of a TwaJob. <see cref="Training"/> is shared by `twa train` and the operator; the
/// operator-owned fields (OPERATOR.md section 2.2) are kept as raw YAML here and ignored by `twa train`,
/// except <see cref="Replicas"/>: the default number of local workers.</summary>
public sealed record TwaJobSpec
{
    public int Replicas { get; init; } = 1;
    public TrainingSpec Training { get; init; } = new();

    public YamlNode? Elastic { get; init; }
    public YamlNode? Redis { get; init; }
    public YamlNode? FailurePolicy { get; init; }
    public YamlNode? RunPolicy { get; init; }
    public YamlNode? Scheduling { get; init; }
    public YamlNode? Monitoring { get; init; }
    public YamlNode? Template { get; init; }
}
