using Twa.Kubernetes.Client;
using Twa.Kubernetes.Configuration;
using Twa.Operator.Runtime;

namespace Twa.Operator.Host;

/// <summary><c>twa-operator run</c>: settings from TWA_OPERATOR_* variables, the cluster from the in-cluster service
/// account or $KUBECONFIG; runs <see cref="OperatorHost"/> until SIGTERM/Ctrl-C (exit 0) or a lost lease (exit 1).</summary>
public static class RunCommand
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length > 0)
        {
            stderr.WriteLine($"twa-operator run: takes no arguments (got '{string.Join(' ', args)}'); configure it with TWA_OPERATOR_* variables (charts/README.md)");
            return 2;
        }

        OperatorSettings settings;
        KubernetesClientConfiguration config;
        try
        {
            settings = OperatorSettings.FromEnvironment();
            config = KubernetesClientConfiguration.FromEnvironment();
        }
        catch (Exception e) when (e is ArgumentException or KubeConfigException or IOException)
        {
            stderr.WriteLine($"twa-operator run: {e.Message}");
            return 2;
        }

        var log = new OperatorLog(stdout, settings.LogLevel);
        using var client = new KubernetesClient(config);
        using var host = new OperatorHost(client, settings, log);
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            cts.Cancel();
        });
        log.Info("twa-operator starting", ("namespace", settings.Namespace), ("identity", settings.PodName),
            ("watchNamespaces", settings.WatchNamespaces.Count == 0 ? "*" : string.Join(',', settings.WatchNamespaces)), ("leaderElection", settings.LeaderElection));
        return host.RunAsync(cts.Token).GetAwaiter().GetResult();
    }
}
