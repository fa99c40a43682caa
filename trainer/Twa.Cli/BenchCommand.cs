using System.CommandLine;
using Twa.Cli.Bench;
using Twa.Torch;

namespace Twa.Cli;

/// <summary>
/// `twa bench`: measures the binding against libtorch called from C++ in the same run (matmul GFLOP/s
/// ratio, per-call overhead) and a 2-rank allreduce; prints a table and writes every figure as JSON.
/// A benchmark, not a test: it exits 0 whether or not the targets are met.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Fewer rounds and repetitions: a smoke run of a few seconds, noisy figures" };
        var threads = new Option<int?>("--threads")
        {
            Description = "Threads for libtorch's intra-op pool (default: the number of CPUs). The matmul comparison gives OpenBLAS as many on both sides; the training-step and projection sections run as twa train does (OpenBLAS on 1 thread unless OPENBLAS_NUM_THREADS is set)",
        };
        var output = new Option<string>("--out")
        {
            Description = "Where to write the JSON results",
            DefaultValueFactory = _ => Path.Combine("bench-results", "bench.json"),
        };
        var reference = new Option<string?>("--reference")
        {
            Description = "Path of the C++ reference twa_matmul_ref (default: build/native/twa_matmul_ref above this program or the current directory)",
        };

        var only = new Option<string?>("--only")
        {
            Description = "Run one section only and print it (no JSON): 'steps' = (d) and (e), the TWA step overhead and basis memory; 'projection' = (g), the TWA projection throughput",
        };
        var command = new Command("bench", "Benchmark the libtorch binding against C++ (matmul, per-call overhead) and a 2-rank allreduce");
        command.Options.Add(quick);
        command.Options.Add(threads);
        command.Options.Add(output);
        command.Options.Add(reference);
        command.Options.Add(only);
        command.Subcommands.Add(RedisBenchCommand.Create());
        command.SetAction(parse =>
        {
            var n = parse.GetValue(threads) ?? Environment.ProcessorCount;
            if (n < 1)
            {
                Console.Error.WriteLine($"twa bench: --threads must be >= 1, got {n}");
                return 2;
            }

            var section = parse.GetValue(only);
            if (section is not null && section != "projection" && section != "steps")
            {
                Console.Error.WriteLine($"twa bench: --only must be 'steps' or 'projection', got '{section}'");
                return 2;
            }

            var settings = new BenchSettings(parse.GetValue(quick), n, parse.GetValue(output)!, parse.GetValue(reference));
            try
            {
                if (section is not null)
                {
                    TrainingThreads.Apply(settings.Threads);
                    if (section == "steps")
                    {
                        var (steps, memory) = TwaStepBench.Run(settings, Console.Error);
                        Console.WriteLine(BenchTable.RenderSteps(steps, memory));
                    }
                    else
                    {
                        Console.WriteLine(BenchTable.RenderProjection(ProjectionBench.Run(settings, Console.Error)));
                    }

                    return 0;
                }

                var result = BenchRunner.Run(settings, Console.Error);
                BenchRunner.WriteJson(result, settings.OutPath);
                Console.WriteLine(BenchTable.Render(result, settings.OutPath));
                RedisBench.RunAndReport(settings, Console.Out, Console.Error);
                return 0;
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidOperationException or InvalidDataException or TimeoutException
                                          or TorchException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"twa bench: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
