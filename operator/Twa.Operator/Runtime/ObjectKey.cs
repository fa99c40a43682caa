namespace Twa.Operator.Runtime;

/// <summary>Keys of the informer caches and the work queue: <c>namespace/name</c>.</summary>
public static class ObjectKey
{
    /// <summary>The key of an object in <paramref name="ns"/> named <paramref name="name"/>.</summary>
    public static string Of(string? ns, string name) => $"{ns ?? ""}/{name}";

    /// <summary>Splits a key into namespace and name.</summary>
    /// <exception cref="FormatException">The key has no '/'.</exception>
    public static (string Namespace, string Name) Split(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var i = key.IndexOf('/', StringComparison.Ordinal);
        return i < 0 ? throw new FormatException($"'{key}' is not a namespace/name key") : (key[..i], key[(i + 1)..]);
    }
}
