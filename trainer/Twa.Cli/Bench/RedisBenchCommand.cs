using System.CommandLine;

namespace Twa.Cli.Bench;

/// <summary>`twa bench redis`: only the Redis part of `twa bench` (which runs it too, after the other parts).</summary>
internal static class RedisBenchCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "A smaller snapshot and fewer repetitions: a smoke run, noisy figures" };
        var output = new Option<string>("--out")
        {
            Description = "The bench JSON path; the Redis figures go beside it as NAME.redis.json",
            DefaultValueFactory = _ => Path.Combine("bench-results", "bench.json"),
        };
        var command = new Command("redis", "Benchmark the Redis snapshot store against redis-benchmark on a redis-server started for the run");
        command.Options.Add(quick);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var settings = new BenchSettings(parse.GetValue(quick), Environment.ProcessorCount, parse.GetValue(output)!, null);
            try
            {
                RedisBench.RunAndReport(settings, Console.Out, Console.Error);
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException or Training.Stores.StoreUnavailableException)
            {
                Console.Error.WriteLine($"twa bench redis: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
