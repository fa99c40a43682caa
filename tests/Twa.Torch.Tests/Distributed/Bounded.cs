namespace Twa.Torch.Tests.Distributed;

/// <summary>Runs a synchronous test body on the thread pool so xunit's <c>Timeout</c> can bound it.</summary>
internal static class Bounded
{
    public const int Timeout = 30_000;

    public static Task Run(Action body) => Task.Run(body);
}
