using System.Diagnostics;

namespace Twa.Torch.Tests.Distributed;

/// <summary>
/// Runs the worker's "collectives" scenario once in <see cref="Size"/> OS processes and keeps every rank's
/// output for the assertions of <see cref="ProcessGroupCollectivesIntegrationTests"/>.
/// </summary>
public sealed class CollectivesRun : IAsyncLifetime
{
    public const int Size = 3;
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(90);

    private WorkerProcess[] _workers = [];

    public TimeSpan Elapsed { get; private set; }

    internal WorkerProcess Rank(int rank) => _workers[rank];

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(s_limit);
        var clock = Stopwatch.StartNew();
        _workers = await WorkerProcess.StartGroupAsync("collectives", Size, timeoutMs: 10_000, victim: -1, cts.Token);
        foreach (var w in _workers)
        {
            var code = await w.WaitForExitAsync(cts.Token);
            if (code != 0)
            {
                throw new InvalidOperationException($"rank {w.Rank} exited with {code}:\n{w.Transcript()}");
            }
        }

        Elapsed = clock.Elapsed;
    }

    public Task DisposeAsync()
    {
        WorkerProcess.DisposeAll(_workers);
        return Task.CompletedTask;
    }
}
