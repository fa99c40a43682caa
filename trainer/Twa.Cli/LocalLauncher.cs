using System.Diagnostics;
using System.Globalization;
using Twa.Torch.Distributed;

namespace Twa.Cli;

/// <summary>
/// `twa train --workers N`: hosts a TCPStore on loopback and starts N rank processes of this same binary
/// (`twa worker ... --rendezvous 127.0.0.1:PORT --generation 1`), each with its share of the thread budget. The
/// launcher is the membership authority: it owns the store the ranks meet at and decides the generation. It waits
/// for the ranks; the first one to fail decides the exit code and the others are killed (a lost rank would otherwise
/// leave its peers waiting for the collective timeout). Rank 0 writes the outputs; the rank processes share this
/// process's stdout/stderr.
/// </summary>
internal static class LocalLauncher
{
    private const string Host = "127.0.0.1";

    public static int Run(LaunchSettings settings)
    {
        using var store = new TcpStore(Host, 0, isServer: true, settings.Workers, TimeSpan.FromMinutes(5));
        var threads = Math.Max(1, (settings.Threads ?? Environment.ProcessorCount) / settings.Workers);
        var ranks = new List<Process>();
        void KillAll()
        {
            foreach (var p in ranks)
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
            for (var rank = 0; rank < settings.Workers; rank++)
            {
                ranks.Add(Process.Start(StartInfo(settings, rank, store.Port, threads))
                    ?? throw new InvalidOperationException($"could not start the process of rank {rank}"));
            }

            return Wait(ranks, KillAll);
        }
        finally
        {
            KillAll();
            foreach (var p in ranks)
            {
                p.WaitForExit(5000);
                p.Dispose();
            }

            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>0 when every rank exits with 0; otherwise the exit code of the first rank to fail (the rest are killed).</summary>
    private static int Wait(List<Process> ranks, Action killAll)
    {
        while (true)
        {
            var running = 0;
            foreach (var p in ranks)
            {
                if (!p.HasExited)
                {
                    running++;
                }
                else if (p.ExitCode != 0)
                {
                    killAll();
                    return p.ExitCode;
                }
            }

            if (running == 0)
            {
                return 0;
            }

            Thread.Sleep(50);
        }
    }

    private static ProcessStartInfo StartInfo(LaunchSettings s, int rank, int port, int threads)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(typeof(LocalLauncher).Assembly.Location); // `dotnet twa.dll`
        }

        string[] args =
        [
            "worker", "--job", s.JobFile, "--out", s.OutputDirectory,
            "--rank", rank.ToString(CultureInfo.InvariantCulture),
            "--world-size", s.Workers.ToString(CultureInfo.InvariantCulture),
            "--rendezvous", string.Create(CultureInfo.InvariantCulture, $"{Host}:{port}"),
            "--generation", "1",
            "--threads", threads.ToString(CultureInfo.InvariantCulture),
        ];
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        if (s.StoreDirectory is { } store)
        {
            start.ArgumentList.Add("--store");
            start.ArgumentList.Add(store);
        }

        if (s.Seed is long seed)
        {
            start.ArgumentList.Add("--seed");
            start.ArgumentList.Add(seed.ToString(CultureInfo.InvariantCulture));
        }

        return start;
    }
}
