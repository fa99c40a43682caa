namespace Twa.Training.Stores;

/// <summary>
/// The Redis key prefix <c>twa:{namespace}:{job}:{uid}:</c> under which everything a job owns lives (snapshots,
/// committed state, membership, results); the operator's finalizer deletes exactly this prefix. A local run
/// uses a random run id as uid. Immutable.
/// </summary>
public sealed record JobKeyPrefix
{
    public JobKeyPrefix(string @namespace, string job, string uid)
    {
        Check(@namespace, nameof(@namespace));
        Check(job, nameof(job));
        Check(uid, nameof(uid));
        Namespace = @namespace;
        Job = job;
        Uid = uid;
    }

    public string Namespace { get; }

    public string Job { get; }

    public string Uid { get; }

    /// <summary>"twa:{namespace}:{job}:{uid}:".</summary>
    public string Value => $"twa:{Namespace}:{Job}:{Uid}:";

    /// <summary>A prefix for a run outside Kubernetes: namespace "local" and a new random run id as uid.</summary>
    public static JobKeyPrefix ForLocalRun(string job) => new("local", job, Guid.NewGuid().ToString("N"));

    /// <summary>Parses "twa:{namespace}:{job}:{uid}:" (e.g. TWA_KEY_PREFIX).</summary>
    /// <exception cref="FormatException">Not of that form; the message names the value.</exception>
    public static JobKeyPrefix Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var parts = value.Split(':');
        if (parts.Length != 5 || parts[0] != "twa" || parts[4].Length != 0)
        {
            throw new FormatException($"key prefix '{value}' is not of the form 'twa:NAMESPACE:JOB:UID:'");
        }

        try
        {
            return new JobKeyPrefix(parts[1], parts[2], parts[3]);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"key prefix '{value}': {e.Message}", e);
        }
    }

    public override string ToString() => Value;

    private static void Check(string part, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(part, name);
        if (part.Any(c => c is ':' or '*' or '?' or '[' or ']' or '\\' or '{' or '}' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"{name} '{part}' must not contain ':', '*', '?', '[', ']', '\\', braces or whitespace", name);
        }
    }
}
