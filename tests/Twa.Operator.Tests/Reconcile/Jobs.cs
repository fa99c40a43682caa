using Twa.Jobs;
using Twa.Operator.Tests.Support;

namespace Twa.Operator.Tests.Reconcile;

/// <summary>TwaJobs for the reconciler tests, parsed from the committed cluster example (so they are real, valid jobs).</summary>
internal static class Jobs
{
    private static readonly string s_example = File.ReadAllText(Repo.File("examples/cluster/fashion-mnist-lenet-elastic.yaml"));

    /// <summary>The example with name "demo" in namespace "ml", and the given replicas and elastic range.</summary>
    public static V1Alpha1TwaJob Elastic(int replicas = 2, int min = 1, int max = 4) =>
        Parse(s_example
            .Replace("name: fashion-mnist-lenet-elastic", "name: demo\n  namespace: ml\n  uid: 0f0e0d0c-uid", StringComparison.Ordinal)
            .Replace("replicas: 2\n", $"replicas: {replicas}\n", StringComparison.Ordinal)
            .Replace("minReplicas: 1\n", $"minReplicas: {min}\n", StringComparison.Ordinal)
            .Replace("maxReplicas: 4\n", $"maxReplicas: {max}\n", StringComparison.Ordinal));

    public static V1Alpha1TwaJob Parse(string yaml) => TwaJobLoader.Parse(yaml, "test job");

    public static string ExampleText => s_example;
}
