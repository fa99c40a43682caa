using System.Text.RegularExpressions;
using Twa.Operator.Host;
using Twa.Operator.Runtime;
using Twa.Operator.Tests.Support;

namespace Twa.Operator.Tests.Host;

public sealed partial class OperatorSettingsTests
{
    [Fact]
    public void FromEnvironment_ChartVariables_AllReadWithTheirMeaning()
    {
        var deployment = File.ReadAllText(Repo.File("charts/twa-operator/templates/deployment.yaml"));
        var chartNames = EnvName().Matches(deployment).Select(m => m.Groups[1].Value).ToHashSet();
        var env = new Dictionary<string, string>
        {
            ["TWA_OPERATOR_NAMESPACE"] = "twa-system",
            ["TWA_OPERATOR_POD_NAME"] = "twa-operator-abc",
            ["TWA_OPERATOR_WATCH_NAMESPACES"] = "ml, research",
            ["TWA_OPERATOR_LEADER_ELECTION"] = "false",
            ["TWA_OPERATOR_HTTP_PORT"] = "9090",
            ["TWA_OPERATOR_LOG_LEVEL"] = "debug",
            ["TWA_OPERATOR_TRAINER_IMAGE"] = "img:1",
            ["TWA_OPERATOR_DEFAULT_REDIS_ADDRESS"] = "redis.twa-system.svc:6379",
            ["TWA_OPERATOR_DEFAULT_REDIS_SECRET"] = "twa-redis",
            ["TWA_OPERATOR_DEFAULT_REDIS_PASSWORD"] = "pw",
            ["TWA_OPERATOR_DIST_BASE_PORT"] = "31000",
        };
        Assert.Subset(env.Keys.ToHashSet(), chartNames);

        var s = OperatorSettings.FromEnvironment(k => env.GetValueOrDefault(k));
        Assert.Equal("twa-system", s.Namespace);
        Assert.Equal("twa-operator-abc", s.PodName);
        Assert.Equal(["ml", "research"], s.WatchNamespaces);
        Assert.False(s.LeaderElection);
        Assert.Equal(9090, s.HttpPort);
        Assert.Equal(LogLevel.Debug, s.LogLevel);
        var o = s.ToControllerOptions();
        Assert.Equal("img:1", o.Reconciler.DefaultTrainerImage);
        Assert.Equal("redis.twa-system.svc:6379", o.Reconciler.DefaultRedis!.Address);
        Assert.Equal("twa-redis", o.Reconciler.DefaultRedis.PasswordSecretRef!.Name);
        Assert.Equal("pw", o.DefaultRedisPassword);
        Assert.Equal(["ml", "research"], o.Namespaces);
        Assert.Equal(31000, o.Reconciler.DistBasePort);
    }

    [Fact]
    public void FromEnvironment_BadValue_NamesTheVariable()
    {
        var e = Assert.Throws<ArgumentException>(() => OperatorSettings.FromEnvironment(k => k == "TWA_OPERATOR_HTTP_PORT" ? "http" : null));
        Assert.Contains("TWA_OPERATOR_HTTP_PORT", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => OperatorSettings.FromEnvironment(k => k == "TWA_OPERATOR_LEADER_ELECTION" ? "maybe" : null));
        Assert.Contains("TWA_OPERATOR_LEADER_ELECTION", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => OperatorSettings.FromEnvironment(k => k == "TWA_OPERATOR_DIST_BASE_PORT" ? "65530" : null));
        Assert.Contains("TWA_OPERATOR_DIST_BASE_PORT", e.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"name: (TWA_OPERATOR_[A-Z_]+)")]
    private static partial Regex EnvName();
}
