using System.Globalization;
using System.Text;
using Twa.Torch.Distributed;

namespace Twa.Training.Distributed;

/// <summary>
/// The membership record of a local elastic run, kept in the launcher's TCPStore (the launcher is the membership
/// authority; it alone publishes). Keys: <c>generation</c> (a counter = the latest generation number),
/// <c>gen-G/members</c> (comma-separated ordinals), <c>gen-G/published-ms</c>, <c>gen-G/store-port</c> (the c10d store
/// of generation G, hosted by its rank 0 on a fresh port), <c>progress/base</c> and <c>progress/twa</c> (steps done per phase, reported by rank 0) and
/// <c>gen-G/stepping</c> (set by rank 0 after the first step of G) and <c>completed</c> (set by rank 0 once the outputs
/// are written). Thread-safe as the store is.
/// </summary>
public static class LocalMembership
{
    /// <summary>Publishes generation <paramref name="number"/> (must be the current one + 1): members first, then the counter.</summary>
    public static MembershipGeneration Publish(TcpStore control, int number, IReadOnlyList<int> members)
    {
        ArgumentNullException.ThrowIfNull(control);
        ArgumentNullException.ThrowIfNull(members);
        var published = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        control.Set($"gen-{number}/members", Encoding.UTF8.GetBytes(string.Join(',', members.Order())));
        control.Set($"gen-{number}/published-ms", Encoding.UTF8.GetBytes(published.ToString(CultureInfo.InvariantCulture)));
        var counter = control.Add("generation", 1);
        if (counter != number)
        {
            throw new InvalidOperationException($"published generation {number} but the counter is {counter}; only the launcher may publish");
        }

        return new MembershipGeneration(number, members.Order().ToArray(), published);
    }

    /// <summary>The latest generation number (0 before the first).</summary>
    public static int Latest(TcpStore control) => (int)(control ?? throw new ArgumentNullException(nameof(control))).Add("generation", 0);

    /// <summary>Blocks until a generation newer than <paramref name="after"/> exists (polling), then reads it.</summary>
    /// <exception cref="TimeoutException">None appeared within <paramref name="timeout"/>.</exception>
    public static MembershipGeneration WaitNewer(TcpStore control, int after, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var latest = Latest(control);
            if (latest > after)
            {
                return Read(control, latest);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no membership generation after {after} within {timeout.TotalSeconds:F0} s");
            }

            Thread.Sleep(20);
        }
    }

    public static MembershipGeneration Read(TcpStore control, int number)
    {
        ArgumentNullException.ThrowIfNull(control);
        var members = Encoding.UTF8.GetString(control.Get($"gen-{number}/members"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(m => int.Parse(m, CultureInfo.InvariantCulture)).ToArray();
        var published = long.Parse(Encoding.UTF8.GetString(control.Get($"gen-{number}/published-ms")), CultureInfo.InvariantCulture);
        return new MembershipGeneration(number, members, published);
    }

    public static void SetStorePort(TcpStore control, int number, int port) =>
        (control ?? throw new ArgumentNullException(nameof(control))).Set($"gen-{number}/store-port", Encoding.UTF8.GetBytes(port.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Blocks (up to the store's timeout) until rank 0 of generation <paramref name="number"/> published its store port.</summary>
    public static int StorePort(TcpStore control, int number) =>
        int.Parse(Encoding.UTF8.GetString((control ?? throw new ArgumentNullException(nameof(control))).Get($"gen-{number}/store-port")), CultureInfo.InvariantCulture);

    /// <summary>Rank 0: sets the steps done in <paramref name="phase"/> ("base" or "twa"; the launcher's <c>--scale-at</c> clock).</summary>
    public static void ReportStep(TcpStore control, string phase, long step)
    {
        ArgumentNullException.ThrowIfNull(control);
        control.Add($"progress/{phase}", step - control.Add($"progress/{phase}", 0));
    }

    /// <summary>The steps rank 0 reported done in <paramref name="phase"/> (0 before any).</summary>
    public static long Step(TcpStore control, string phase) => (control ?? throw new ArgumentNullException(nameof(control))).Add($"progress/{phase}", 0);

    /// <summary>Rank 0 of generation <paramref name="number"/>: its first step is done (the group formed and trains).</summary>
    public static void MarkStepping(TcpStore control, int number) =>
        (control ?? throw new ArgumentNullException(nameof(control))).Add($"gen-{number}/stepping", 1);

    /// <summary>Whether generation <paramref name="number"/> has taken a step; the launcher publishes a planned resize only
    /// then, so a generation still forming is never replaced (its members would wait in the rendezvous for ones that left).</summary>
    public static bool IsStepping(TcpStore control, int number) =>
        (control ?? throw new ArgumentNullException(nameof(control))).Add($"gen-{number}/stepping", 0) > 0;

    public static void MarkCompleted(TcpStore control) => (control ?? throw new ArgumentNullException(nameof(control))).Add("completed", 1);

    public static bool IsCompleted(TcpStore control) => (control ?? throw new ArgumentNullException(nameof(control))).Add("completed", 0) > 0;
}
