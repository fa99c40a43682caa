using System.Globalization;

namespace Twa.Torch;

/// <summary>Kind of device a tensor lives on. Values equal the shim's TWA_DEVICE_* codes.</summary>
public enum DeviceType
{
    Cpu = 0,
    Cuda = 1,
}

/// <summary>A device: <c>cpu</c>, <c>cuda</c> (the current GPU) or <c>cuda:N</c>.</summary>
public readonly record struct Device(DeviceType Type, int Index = -1)
{
    public static Device Cpu { get; } = new(DeviceType.Cpu);

    public static Device Cuda(int index = -1) => new(DeviceType.Cuda, index);

    /// <summary>Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (case-insensitive).</summary>
    /// <exception cref="FormatException">The text names no device.</exception>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu")
        {
            return Cpu;
        }

        if (t == "cuda")
        {
            return Cuda();
        }

        if (t.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return Cuda(index);
        }

        throw new FormatException($"'{text}' is not a device; use cpu, cuda or cuda:N");
    }

    public override string ToString() => Type switch
    {
        DeviceType.Cpu => "cpu",
        _ => Index < 0 ? "cuda" : string.Create(CultureInfo.InvariantCulture, $"cuda:{Index}"),
    };
}
