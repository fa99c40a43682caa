namespace Twa.Torch.Tests.TestSupport;

/// <summary>A fact that runs only when python3 (and, with <see cref="RequiresTorch"/>, an importable torch, e.g.
/// Debian's python3-torch) is available; otherwise it is reported as skipped with the reason.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute(bool requiresTorch = false)
    {
        RequiresTorch = requiresTorch;
        var missing = requiresTorch ? Python.TorchMissingReason : Python.MissingReason;
        if (missing is not null)
        {
            Skip = missing;
        }
    }

    public bool RequiresTorch { get; }
}
