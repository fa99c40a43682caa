using System.Diagnostics;
using System.Globalization;
using Twa.Torch.Distributed;
using Twa.Training.Distributed;

namespace Twa.Cli;

/// <summary>
/// `twa train --workers N`: the membership authority of a local elastic run. It hosts a TCPStore on loopback holding
/// the membership record (<see cref="LocalMembership"/>), starts N `twa worker --ordinal O` processes of this same
/// binary and publishes generation 1 = ordinals 0..N-1. Afterwards it publishes a new generation when a member process
/// is lost (killed: exit code 6 or >= 128) and at every <c>--scale-at [base:|twa:]STEP:N</c> once rank 0 reports STEP
/// steps of that phase (TWA by default; a base-training point not reached when TWA starts applies then)
/// (scale-up starts new ordinals, scale-down leaves out the highest ones, which then exit 0); a resize waits until the
/// current generation has stepped, so a generation still forming is never replaced. A member failing with a
/// non-retryable code (bad job, missing data, divergence) fails the run with that code; losing every member fails it
/// with 6. The run succeeded when rank 0 marks it completed (outputs written). Workers share this process's stdio.
/// </summary>
internal static class LocalLauncher
{
    private const string Host = "127.0.0.1";

    public static int Run(LaunchSettings settings)
    {
        using var control = new TcpStore(Host, 0, isServer: true, -1, TimeSpan.FromMinutes(5));
        var threads = Math.Max(1, (settings.Threads ?? Environment.ProcessorCount) / settings.Workers);
        var processes = new Dictionary<int, Process>();
        var members = Enumerable.Range(0, settings.Workers).ToList();
        var nextOrdinal = settings.Workers;
        // Base training's resizes come first (it runs first), each phase's in step order.
        var scaleAt = new Queue<(string Phase, long Step, int Workers)>(settings.ScaleAt.OrderBy(s => s.Phase == "base" ? 0 : 1).ThenBy(s => s.Step));
        void KillAll()
        {
            foreach (var p in processes.Values)
            {
                try
                {
                    if (!p.HasExited)
                    {
                        p.Kill();
                    }
                }
                catch (InvalidOperationException)
                {
                    // Exited between the check and the kill.
                }
            }
        }

        ConsoleCancelEventHandler onCancel = (_, _) => KillAll();
        Console.CancelKeyPress += onCancel;
        try
        {
            var generation = LocalMembership.Publish(control, 1, members).Number;
            foreach (var ordinal in members)
            {
                processes[ordinal] = Start(settings, ordinal, control.Port, threads);
            }

            while (true)
            {
                if (LocalMembership.IsCompleted(control))
                {
                    WaitAll(processes.Values, TimeSpan.FromSeconds(10));
                    return 0;
                }

                var changed = false;
                foreach (var (ordinal, p) in processes.Where(kv => kv.Value.HasExited).ToArray())
                {
                    processes.Remove(ordinal);
                    var code = p.ExitCode;
                    p.Dispose();
                    if (!members.Contains(ordinal) || code == 0)
                    {
                        continue; // removed by a scale-down, or a member that finished with the others
                    }

                    if (code != RunFailures.PeerLost && code < 128)
                    {
                        KillAll();
                        return code;
                    }

                    Console.Error.WriteLine($"twa: worker {ordinal} was lost (exit code {code})");
                    members.Remove(ordinal);
                    changed = true;
                }

                if (members.Count == 0)
                {
                    return LocalMembership.IsCompleted(control) ? 0 : RunFailures.Fail(RunFailures.PeerLost, "every worker was lost");
                }

                if (!changed && scaleAt.TryPeek(out var next) && LocalMembership.IsStepping(control, generation)
                    && (LocalMembership.Step(control, next.Phase) >= next.Step || (next.Phase == "base" && LocalMembership.Step(control, "twa") > 0)))
                {
                    scaleAt.Dequeue();
                    while (members.Count < next.Workers)
                    {
                        members.Add(nextOrdinal++);
                    }

                    members = members.Order().Take(next.Workers).ToList();
                    changed = true;
                }

                if (changed)
                {
                    generation++;
                    LocalMembership.Publish(control, generation, members);
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"twa: published generation {generation}: {members.Count} worker(s), ordinals {string.Join(',', members)}"));
                    foreach (var ordinal in members.Where(o => !processes.ContainsKey(o)))
                    {
                        processes[ordinal] = Start(settings, ordinal, control.Port, threads);
                    }
                }

                Thread.Sleep(50);
            }
        }
        finally
        {
            KillAll();
            WaitAll(processes.Values, TimeSpan.FromSeconds(5));
            foreach (var p in processes.Values)
            {
                p.Dispose();
            }

            Console.CancelKeyPress -= onCancel;
        }
    }

    private static void WaitAll(IEnumerable<Process> processes, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var p in processes)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !p.WaitForExit(left))
            {
                try
                {
                    p.Kill();
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }
        }
    }

    private static Process Start(LaunchSettings s, int ordinal, int port, int threads)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(typeof(LocalLauncher).Assembly.Location); // `dotnet twa.dll`
        }

        string[] args =
        [
            "worker", "--job", s.JobFile, "--out", s.OutputDirectory,
            "--ordinal", ordinal.ToString(CultureInfo.InvariantCulture),
            "--rendezvous", string.Create(CultureInfo.InvariantCulture, $"{Host}:{port}"),
            "--threads", threads.ToString(CultureInfo.InvariantCulture),
        ];
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        if (s.Store is { } store)
        {
            // The password travels in the environment, never on a command line others can read.
            start.ArgumentList.Add("--store");
            start.ArgumentList.Add(Twa.Training.Stores.StoreUri.Redact(store));
            if (RunStores.IsRedisUri(store) && RunStores.PasswordOf(store) is { } password)
            {
                start.Environment[RunStores.PasswordVariable] = password;
            }
        }

        if (s.MetricsPort is int metricsPort)
        {
            start.ArgumentList.Add("--metrics-port");
            start.ArgumentList.Add((metricsPort == 0 ? 0 : metricsPort + ordinal).ToString(CultureInfo.InvariantCulture));
        }

        if (s.KeyPrefix is { } prefix)
        {
            start.ArgumentList.Add("--key-prefix");
            start.ArgumentList.Add(prefix);
        }

        if (s.Seed is long seed)
        {
            start.ArgumentList.Add("--seed");
            start.ArgumentList.Add(seed.ToString(CultureInfo.InvariantCulture));
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"could not start worker {ordinal}");
    }
}
