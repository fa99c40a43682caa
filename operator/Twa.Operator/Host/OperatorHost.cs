using System.Net;
using System.Text;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.LeaderElection;
using Twa.Metrics;
using Twa.Operator.Runtime;

namespace Twa.Operator.Host;

/// <summary>
/// <c>twa-operator run</c>: the controller, leader election on the Lease <c>twa-operator</c> (caches warm while standing
/// by; workers only while leading; on a lost lease everything is cancelled and <see cref="RunAsync"/> returns 1 so the
/// process exits rather than act without the lease) and an HTTP endpoint serving <c>/metrics</c>, <c>/healthz</c>
/// (watch loops alive: an event or bookmark within 10 min; queue not wedged) and <c>/readyz</c> (caches synced).
/// One instance per process; owns the controller.
/// </summary>
public sealed class OperatorHost : IDisposable
{
    private static readonly TimeSpan s_aliveWindow = TimeSpan.FromMinutes(10);
    private readonly KubernetesClient _client;
    private readonly OperatorSettings _settings;
    private readonly OperatorLog _log;
    private HttpListener? _http;

    public OperatorHost(KubernetesClient client, OperatorSettings settings, OperatorLog log)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        Metrics = new OperatorMetrics(typeof(OperatorHost).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
        Controller = new TwaJobController(client, settings.ToControllerOptions(), Metrics, log);
    }

    public OperatorMetrics Metrics { get; }

    public TwaJobController Controller { get; }

    /// <summary>True while this replica leads (always true without leader election once started).</summary>
    public bool IsLeading { get; private set; }

    /// <summary>Set when leadership was lost (the process must exit).</summary>
    public bool LostLease { get; private set; }

    /// <summary>Runs until <paramref name="ct"/> is cancelled (returns 0) or the lease is lost (returns 1).</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        StartHttp(cts.Token);
        var informers = Controller.StartInformers(cts.Token);
        try
        {
            if (!_settings.LeaderElection)
            {
                Lead(true);
                await Controller.RunWorkersAsync(cts.Token).ConfigureAwait(false);
                return 0;
            }

            var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(_client, _settings.Namespace, OperatorSettings.LeaseName, _settings.PodName))
            {
                LeaseDuration = _settings.LeaseDuration,
                RenewDeadline = _settings.RenewDeadline,
                RetryPeriod = _settings.RetryPeriod,
            });
            Task? workers = null;
            elector.StartedLeading += (_, _) =>
            {
                Lead(true);
                workers = Controller.RunWorkersAsync(cts.Token);
            };
            elector.StoppedLeading += (_, _) => Lead(false);
            _log.Info("waiting for the lease", ("lease", $"{_settings.Namespace}/{OperatorSettings.LeaseName}"), ("identity", _settings.PodName));
            try
            {
                await elector.RunUntilLeadershipLostAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 0;
            }

            if (ct.IsCancellationRequested)
            {
                return 0;
            }

            LostLease = true;
            _log.Error("lost the lease; exiting", ("lease", $"{_settings.Namespace}/{OperatorSettings.LeaseName}"), ("identity", _settings.PodName));
            await cts.CancelAsync().ConfigureAwait(false);
            if (workers is not null)
            {
                await workers.ConfigureAwait(false);
            }

            return 1;
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            await informers.ConfigureAwait(false);
            _http?.Close();
        }
    }

    /// <summary>The port /metrics is served on (after <see cref="RunAsync"/> started), 0 when none.</summary>
    public int HttpPort { get; private set; }

    public void Dispose()
    {
        _http?.Close();
        Controller.Dispose();
    }

    /// <summary>/healthz: every watch delivered an event or bookmark within 10 min and the queue is not wedged.</summary>
    public (bool Ok, string Text) Health()
    {
        var now = DateTimeOffset.UtcNow;
        var problems = new List<string>();
        if (now - Controller.Jobs.LastActivity > s_aliveWindow)
        {
            problems.Add($"twajobs watch silent since {Controller.Jobs.LastActivity:O}");
        }

        if (now - Controller.Pods.LastActivity > s_aliveWindow)
        {
            problems.Add($"pods watch silent since {Controller.Pods.LastActivity:O}");
        }

        if (IsLeading && Controller.IsWedged(s_aliveWindow))
        {
            problems.Add($"work queue wedged: {Controller.Queue.Depth} keys waiting, none taken since {Controller.Queue.LastTaken:O}");
        }

        return problems.Count == 0 ? (true, "ok\n") : (false, string.Join('\n', problems) + "\n");
    }

    /// <summary>/readyz: both informers listed.</summary>
    public (bool Ok, string Text) Ready() => Controller.IsSynced ? (true, "ok\n") : (false, "informers not synced\n");

    /// <summary>The /metrics text.</summary>
    public string MetricsText()
    {
        Metrics.SyncApiRequests(_client.Metrics.Snapshot());
        Controller.UpdateFleetMetrics();
        return Metrics.Registry.Export();
    }

    private void Lead(bool leading)
    {
        IsLeading = leading;
        Metrics.Leader.Set(leading ? 1 : 0);
        _log.Info(leading ? "leading" : "stopped leading", ("identity", _settings.PodName));
    }

    private void StartHttp(CancellationToken ct)
    {
        if (_settings.HttpPort == 0 && HttpPort == 0)
        {
            return;
        }

        _http = new HttpListener();
        _http.Prefixes.Add($"http://+:{_settings.HttpPort}/");
        _http.Start();
        HttpPort = _settings.HttpPort;
        _ = Task.Run(() => ServeAsync(_http, ct), CancellationToken.None);
    }

    private async Task ServeAsync(HttpListener http, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested && http.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await http.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var (code, type, body) = context.Request.Url?.AbsolutePath switch
            {
                "/metrics" => (200, MetricsRegistry.ContentType, MetricsText()),
                "/healthz" => Health() is var (ok, text) ? (ok ? 200 : 500, "text/plain", text) : default,
                "/readyz" => Ready() is var (ok, text) ? (ok ? 200 : 503, "text/plain", text) : default,
                _ => (404, "text/plain", "not found; try /metrics, /healthz or /readyz\n"),
            };
            try
            {
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = code;
                context.Response.ContentType = type;
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes, ct).ConfigureAwait(false);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // client went away
            }
        }
    }
}
