using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Twa.Jobs.Operator;
using Twa.Operator.Tests.Support;

namespace Twa.Operator.Tests.Images;

/// <summary>No Docker engine runs here: these tests check what can be checked statically (every path a stage
/// copies or builds exists in the repository, stages and base images are well-formed, the image runs as a
/// numeric non-root user and its entry point and ports agree with the code and the chart).</summary>
public sealed partial class DockerfileTests
{
    public static TheoryData<string> Dockerfiles() => ["operator/Dockerfile", "trainer/Dockerfile"];

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_CopiesAndBuilds_OnlyPathsThatExist(string file)
    {
        var docker = Dockerfile.Load(Repo.File(file));
        var stageNames = new List<string>();
        foreach (var stage in docker.Stages)
        {
            foreach (var copy in stage.All("COPY"))
            {
                var words = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var from = words.FirstOrDefault(w => w.StartsWith("--from=", StringComparison.Ordinal));
                var sources = words.Where(w => !w.StartsWith("--", StringComparison.Ordinal)).SkipLast(1).ToList();
                Assert.NotEmpty(sources);
                if (from is not null)
                {
                    Assert.Contains(from["--from=".Length..], stageNames);
                    continue;
                }

                foreach (var source in sources)
                {
                    var path = Repo.File(source.TrimEnd('/'));
                    Assert.True(source.EndsWith('/') ? Directory.Exists(path) : File.Exists(path) || Directory.Exists(path),
                        $"{file}: COPY {source} does not exist in the repository");
                }
            }

            foreach (var run in stage.All("RUN"))
            {
                foreach (Match m in BuiltPath().Matches(run))
                {
                    var path = m.Groups["path"].Value;
                    Assert.True(File.Exists(Repo.File(path)) || Directory.Exists(Repo.File(path)), $"{file}: RUN builds {path}, which does not exist");
                }
            }

            if (stage.Name is not null)
            {
                stageNames.Add(stage.Name);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_BaseImages_ArePinnedAndStagesNamed(string file)
    {
        var docker = Dockerfile.Load(Repo.File(file));
        Assert.True(docker.Stages.Count >= 2, $"{file}: expected a multi-stage build");
        foreach (var stage in docker.Stages)
        {
            Assert.Matches(@"^[a-z0-9./-]+:[A-Za-z0-9._-]+$", stage.Image);
            Assert.DoesNotContain(":latest", stage.Image, StringComparison.Ordinal);
            Assert.NotNull(stage.Name);
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_FinalStage_RunsAsNumericNonRootUser(string file)
    {
        var user = Dockerfile.Load(Repo.File(file)).Final.All("USER").LastOrDefault();
        Assert.NotNull(user);
        var uid = user.Split(':')[0];
        Assert.Matches(@"^\d+$", uid);
        Assert.NotEqual("0", uid);
    }

    [Fact]
    public void OperatorDockerfile_MatchesTheProjectAndTheChart()
    {
        var docker = Dockerfile.Load(Repo.File("operator/Dockerfile"));
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.", docker.Stages[0].Image, StringComparison.Ordinal);
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/(aspnet|runtime):10\.", docker.Final.Image);
        Assert.Equal("""["dotnet", "/app/twa-operator.dll"]""", docker.Final.All("ENTRYPOINT").Single());

        var values = YamlToJson.Single(File.ReadAllText(Repo.File("charts/twa-operator/values.yaml")))!;
        Assert.Equal(values["metricsPort"]!.ToJsonString(), docker.Final.All("EXPOSE").Single());
        var deployment = File.ReadAllText(Repo.File("charts/twa-operator/templates/deployment.yaml"));
        var uid = docker.Final.All("USER").Single().Split(':')[0];
        Assert.Contains($"runAsUser: {uid}", deployment, StringComparison.Ordinal);
        Assert.Contains("args: [\"run\"]", deployment, StringComparison.Ordinal);
        Assert.Equal("""["run"]""", docker.Final.All("CMD").Single());
    }

    [Fact]
    public void TrainerDockerfile_BuildsTheShimAgainstCudaLibtorchAndRunsTwaWorker()
    {
        var docker = Dockerfile.Load(Repo.File("trainer/Dockerfile"));
        var native = docker.Stages[0];
        Assert.Matches(@"^pytorch/pytorch:2\.\d+\.\d+-cuda12\.\d+-cudnn\d+-devel$", native.Image);
        Assert.Contains(native.All("RUN"), r => r.Contains("cmake -S trainer/native", StringComparison.Ordinal)
            && r.Contains("CMAKE_PREFIX_PATH=\"$(python -c 'import torch; print(torch.utils.cmake_prefix_path)')\"", StringComparison.Ordinal));
        Assert.Contains(docker.Stages.SelectMany(s => s.All("RUN")), r => r.Contains("dotnet publish trainer/Twa.Cli/Twa.Cli.csproj", StringComparison.Ordinal));
        Assert.Matches(@"^pytorch/pytorch:2\.\d+\.\d+-cuda12\.\d+-cudnn\d+-runtime$", docker.Final.Image);
        Assert.Equal(native.Image.Replace("-devel", "", StringComparison.Ordinal), docker.Final.Image.Replace("-runtime", "", StringComparison.Ordinal));
        var entry = JsonNode.Parse(docker.Final.All("ENTRYPOINT").Single())!.AsArray().Select(n => (string)n!).ToArray();
        Assert.Equal("twa", Path.GetFileName(entry[0]));
        Assert.Equal("worker", entry[1]);
        Assert.Equal(MonitoringSpec.DefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture), docker.Final.All("EXPOSE").Single());
    }

    [GeneratedRegex(@"(?:dotnet (?:publish|restore|build)|cmake -S) (?<path>[A-Za-z0-9_./-]+)")]
    private static partial Regex BuiltPath();
}
