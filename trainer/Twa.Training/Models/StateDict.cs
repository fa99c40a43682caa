using Twa.Torch;
using Twa.Torch.Serialization;

namespace Twa.Training.Models;

/// <summary>
/// A model's weights as a PyTorch-style state_dict in safetensors (tensor names = parameter and BN buffer names),
/// the format PyTorch users exchange (<c>safetensors.torch.save_file(model.state_dict(), path)</c>). Keys with a
/// DataParallel/DDP <c>module.</c> prefix are accepted. Every mismatch is reported by name.
/// </summary>
public static class StateDict
{
    /// <summary>Writes <paramref name="model"/>'s parameters and buffers to <paramref name="path"/>.</summary>
    public static void Save(Model model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        SafetensorsFile.Write(path, model.Parameters.NamedParameters.Concat(model.Buffers).ToList(),
            metadata ?? new Dictionary<string, string> { ["arch"] = model.Architecture });
    }

    /// <summary>Loads <paramref name="path"/> into <paramref name="model"/> (parameters into the flat buffer, BN buffers
    /// when present; missing buffers keep their values). Converts dtypes.</summary>
    /// <exception cref="InvalidDataException">A parameter is missing, has another shape, or an unknown tensor is present.</exception>
    public static void Load(Model model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var content = SafetensorsFile.Read(path);
        var byName = content.Names.ToDictionary(n => n.StartsWith("module.", StringComparison.Ordinal) ? n["module.".Length..] : n, n => content[n]);
        var problems = new List<string>();
        var known = new HashSet<string>(model.Parameters.Slices.Select(s => s.Name).Concat(model.Buffers.Select(b => b.Name)), StringComparer.Ordinal);
        foreach (var slice in model.Parameters.Slices)
        {
            if (!byName.TryGetValue(slice.Name, out var t))
            {
                problems.Add($"missing parameter '{slice.Name}' [{string.Join(", ", slice.Shape)}]");
            }
            else if (!t.Shape.SequenceEqual(slice.Shape))
            {
                problems.Add($"'{slice.Name}' has shape [{string.Join(", ", t.Shape)}] but {model.Architecture} needs [{string.Join(", ", slice.Shape)}]");
            }
        }

        problems.AddRange(byName.Keys.Where(k => !known.Contains(k)).Select(k => $"unexpected tensor '{k}' (not a parameter or buffer of {model.Architecture})"));
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{path}: does not fit {model.Architecture}: {string.Join("; ", problems)}");
        }

        using var noGrad = Autograd.NoGrad();
        foreach (var (name, parameter) in model.Parameters.NamedParameters)
        {
            parameter.CopyFrom(byName[name]);
        }

        foreach (var (name, buffer) in model.Buffers)
        {
            if (byName.TryGetValue(name, out var t))
            {
                buffer.CopyFrom(t);
            }
        }
    }
}
