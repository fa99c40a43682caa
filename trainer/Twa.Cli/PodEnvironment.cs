using System.Globalization;
using Twa.Training.Stores;

namespace Twa.Cli;

/// <summary>
/// The static env vars a worker pod gets from the operator (OPERATOR.md 4.2), parsed and checked once at start:
/// identity (job name, namespace, UID, pod name, ordinal), the Redis store and the job's key prefix, device,
/// timeouts and ports. Each error names the variable and what it expects. Two more, never set by the operator:
/// <c>TWA_DIST_HOST_OVERRIDE</c> replaces both the generation's store host and this rank's Gloo address (every pod
/// on one host, as in the kubelet simulator of the end-to-end test) and <c>TWA_TERMINATION_LOG</c> the path of the
/// termination message (default /dev/termination-log). Immutable.
/// </summary>
internal sealed record PodEnvironment
{
    public const string DefaultTerminationLog = "/dev/termination-log";

    public required string JobName { get; init; }

    public required string JobNamespace { get; init; }

    public required string JobUid { get; init; }

    public required string PodName { get; init; }

    public required int Ordinal { get; init; }

    /// <summary>The Redis URI (rediss:// when TWA_REDIS_TLS is true).</summary>
    public required string Store { get; init; }

    public required JobKeyPrefix KeyPrefix { get; init; }

    /// <summary>"cpu" or "cuda:N".</summary>
    public required string Device { get; init; }

    public required TimeSpan CollectiveTimeout { get; init; }

    public required TimeSpan RendezvousTimeout { get; init; }

    public required int MetricsPort { get; init; }

    public string? HostOverride { get; init; }

    public required string TerminationLog { get; init; }

    /// <summary>True when the process runs as a pod (TWA_JOB_UID is set).</summary>
    public static bool IsPresent(Func<string, string?> env) =>
        !string.IsNullOrEmpty((env ?? throw new ArgumentNullException(nameof(env)))("TWA_JOB_UID"));

    /// <summary>Reads the variables through <paramref name="env"/> (e.g. <see cref="Environment.GetEnvironmentVariable(string)"/>).</summary>
    /// <exception cref="FormatException">A variable is missing or malformed; the message names it.</exception>
    public static PodEnvironment Read(Func<string, string?> env)
    {
        ArgumentNullException.ThrowIfNull(env);
        string Required(string name) => env(name) is { Length: > 0 } v
            ? v
            : throw new FormatException($"{name} is not set; a worker pod gets it from the operator (OPERATOR.md 4.2), or run `twa worker --rendezvous` under `twa train --workers N`");
        int Integer(string name, int min, int max, int? fallback)
        {
            var text = env(name);
            if (string.IsNullOrEmpty(text))
            {
                return fallback ?? throw new FormatException($"{name} is not set; expected an integer in [{min}, {max}]");
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                ? v
                : throw new FormatException($"{name}='{text}': expected an integer in [{min}, {max}]");
        }

        var name = Required("TWA_JOB_NAME");
        var ns = Required("TWA_JOB_NAMESPACE");
        var uid = Required("TWA_JOB_UID");
        var prefixText = Required("TWA_KEY_PREFIX");
        var prefix = JobKeyPrefix.Parse(prefixText);
        if (prefix.Namespace != ns || prefix.Job != name || prefix.Uid != uid)
        {
            throw new FormatException($"TWA_KEY_PREFIX='{prefixText}' does not belong to job {ns}/{name} with UID {uid} (expected 'twa:{ns}:{name}:{uid}:')");
        }

        var store = Required("TWA_STORE");
        var tls = env("TWA_REDIS_TLS") switch
        {
            null or "" or "false" => false,
            "true" => true,
            var other => throw new FormatException($"TWA_REDIS_TLS='{other}': expected true or false"),
        };
        if (!store.StartsWith("redis://", StringComparison.Ordinal) && !store.StartsWith("rediss://", StringComparison.Ordinal))
        {
            throw new FormatException($"TWA_STORE='{store}': a worker pod needs a redis:// or rediss:// store");
        }

        if (tls && store.StartsWith("redis://", StringComparison.Ordinal))
        {
            store = "rediss://" + store["redis://".Length..];
        }

        StoreUri.Parse(store); // the same parse errors as --store, naming the text
        var device = env("TWA_DEVICE") is { Length: > 0 } d ? d : "cpu";
        if (device != "cpu" && !(device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device[5..], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException($"TWA_DEVICE='{device}': expected cpu or cuda:N");
        }

        return new PodEnvironment
        {
            JobName = name,
            JobNamespace = ns,
            JobUid = uid,
            PodName = Required("TWA_POD_NAME"),
            Ordinal = Integer("TWA_ORDINAL", 0, 1_000_000, null),
            Store = store,
            KeyPrefix = prefix,
            Device = device,
            CollectiveTimeout = TimeSpan.FromSeconds(Integer("TWA_COLLECTIVE_TIMEOUT_SECONDS", 1, 86_400, 300)),
            RendezvousTimeout = TimeSpan.FromSeconds(Integer("TWA_RENDEZVOUS_TIMEOUT_SECONDS", 1, 86_400, 300)),
            MetricsPort = Integer("TWA_METRICS_PORT", 0, 65535, 9400),
            HostOverride = env("TWA_DIST_HOST_OVERRIDE") is { Length: > 0 } h ? h : null,
            TerminationLog = env("TWA_TERMINATION_LOG") is { Length: > 0 } t ? t : DefaultTerminationLog,
        };
    }
}
