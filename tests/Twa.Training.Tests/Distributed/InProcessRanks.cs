using Twa.Torch.Distributed;
using Twa.Training.Distributed;

namespace Twa.Training.Tests.Distributed;

/// <summary>K real Gloo ranks in this process: one thread per rank, each with its own store client and process group
/// on loopback (a fresh store on a free port per call), so the sharded code paths run their real collectives.</summary>
internal static class InProcessRanks
{
    public static T[] Run<T>(int size, Func<RankGroup, T> body)
    {
        using var server = new TcpStore("127.0.0.1", 0, isServer: true, size, TimeSpan.FromSeconds(60));
        var results = new T[size];
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            try
            {
                using var client = new TcpStore("127.0.0.1", server.Port, isServer: false, size, TimeSpan.FromSeconds(60));
                using var group = ProcessGroup.Create(client, rank, size, Backend.Gloo, TimeSpan.FromSeconds(60), "127.0.0.1");
                results[rank] = body(RankGroup.Of(group));
            }
#pragma warning disable CA1031 // Rethrown on the test thread below.
            catch (Exception e)
#pragma warning restore CA1031
            {
                errors[rank] = e;
            }
        })).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }

        foreach (var t in threads)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(120)), "a rank did not finish within 120 s");
        }

        if (errors.FirstOrDefault(e => e is not null) is { } error)
        {
            throw new InvalidOperationException($"rank {Array.IndexOf(errors, error)} failed: {error.Message}", error);
        }

        return results;
    }
}
