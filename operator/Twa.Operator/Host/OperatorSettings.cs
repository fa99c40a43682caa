using System.Globalization;
using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;
using Twa.Operator.Runtime;

namespace Twa.Operator.Host;

/// <summary>
/// The settings of <c>twa-operator run</c>, read from the <c>TWA_OPERATOR_*</c> variables the Helm chart sets
/// (charts/README.md): NAMESPACE, POD_NAME, WATCH_NAMESPACES (comma-separated, empty = all), LEADER_ELECTION
/// (true/false), HTTP_PORT, LOG_LEVEL, TRAINER_IMAGE, DEFAULT_REDIS_ADDRESS, DEFAULT_REDIS_SECRET,
/// DEFAULT_REDIS_PASSWORD; plus WORKERS and RESYNC_SECONDS. Immutable.
/// </summary>
public sealed record OperatorSettings
{
    public const string LeaseName = "twa-operator";

    /// <summary>Namespace of the operator (its Lease lives there).</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>This replica's identity (Lease holder, Event reportingInstance).</summary>
    public string PodName { get; init; } = Environment.MachineName;

    public IReadOnlyList<string> WatchNamespaces { get; init; } = [];

    public bool LeaderElection { get; init; } = true;

    /// <summary>Port of /metrics, /healthz, /readyz; 0 = none.</summary>
    public int HttpPort { get; init; } = 8080;

    public LogLevel LogLevel { get; init; } = LogLevel.Info;

    public string? TrainerImage { get; init; }

    public string? DefaultRedisAddress { get; init; }

    public string? DefaultRedisSecret { get; init; }

    public string? DefaultRedisPassword { get; init; }

    public int Workers { get; init; } = 4;

    /// <summary>First of the 8 ports the workers' rotating c10d stores use (TWA_OPERATOR_DIST_BASE_PORT).</summary>
    public int DistBasePort { get; init; } = new ReconcilerOptions().DistBasePort;

    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Lease timings (OPERATOR.md 3.1: 15/10/2 s).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Reads the settings from <paramref name="env"/> (the process environment by default).</summary>
    /// <exception cref="ArgumentException">A value does not parse; the message names the variable and the fix.</exception>
    public static OperatorSettings FromEnvironment(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => env("TWA_OPERATOR_" + name) is { Length: > 0 } v ? v.Trim() : null;
        var s = new OperatorSettings();
        return s with
        {
            Namespace = Get("NAMESPACE") ?? s.Namespace,
            PodName = Get("POD_NAME") ?? s.PodName,
            WatchNamespaces = [.. (Get("WATCH_NAMESPACES") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            LeaderElection = Get("LEADER_ELECTION") is { } le
                ? bool.TryParse(le, out var b) ? b : throw new ArgumentException($"TWA_OPERATOR_LEADER_ELECTION='{le}' is not true or false")
                : s.LeaderElection,
            HttpPort = Int("HTTP_PORT", Get("HTTP_PORT"), s.HttpPort, 0, 65535),
            LogLevel = Get("LOG_LEVEL") is { } level ? OperatorLog.ParseLevel(level) : s.LogLevel,
            TrainerImage = Get("TRAINER_IMAGE"),
            DefaultRedisAddress = Get("DEFAULT_REDIS_ADDRESS"),
            DefaultRedisSecret = Get("DEFAULT_REDIS_SECRET"),
            DefaultRedisPassword = Get("DEFAULT_REDIS_PASSWORD"),
            Workers = Int("WORKERS", Get("WORKERS"), s.Workers, 1, 256),
            DistBasePort = Int("DIST_BASE_PORT", Get("DIST_BASE_PORT"), s.DistBasePort, 1, 65535 - 7),
            ResyncPeriod = TimeSpan.FromSeconds(Int("RESYNC_SECONDS", Get("RESYNC_SECONDS"), (int)s.ResyncPeriod.TotalSeconds, 1, 86400)),
        };
    }

    /// <summary>The controller settings these settings imply.</summary>
    public ControllerOptions ToControllerOptions() => new()
    {
        Namespaces = WatchNamespaces,
        Workers = Workers,
        ResyncPeriod = ResyncPeriod,
        Instance = PodName,
        DefaultRedisPassword = DefaultRedisPassword,
        Reconciler = new ReconcilerOptions
        {
            DefaultTrainerImage = TrainerImage,
            DistBasePort = DistBasePort,
            DefaultRedis = DefaultRedisAddress is null ? null : new RedisSpec
            {
                Address = DefaultRedisAddress,
                PasswordSecretRef = DefaultRedisSecret is null ? null : new SecretKeyRef { Name = DefaultRedisSecret, Key = "password" },
            },
        },
    };

    private static int Int(string name, string? text, int fallback, int min, int max)
    {
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw new ArgumentException($"TWA_OPERATOR_{name}='{text}' is not an integer in [{min}, {max}]");
    }
}
