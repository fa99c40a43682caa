using Twa.Jobs.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Twa.Jobs;

/// <summary>Reads, binds and validates TwaJob files. Every failure is a <see cref="JobFileException"/> whose
/// message names the file, each offending field and the fix. Thread-safe (no shared state).</summary>
public static class TwaJobLoader
{
    /// <summary>Loads <paramref name="path"/>.</summary>
    /// <exception cref="JobFileException">Missing file, malformed YAML, unknown fields, bad values.</exception>
    public static V1Alpha1TwaJob Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new JobFileException(path, ["file not found; pass the path of a TwaJob YAML (see examples/)"]);
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses YAML text; <paramref name="source"/> names it in messages.</summary>
    public static V1Alpha1TwaJob Parse(string yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new JobFileException(source, [$"not valid YAML (line {e.Start.Line}, column {e.Start.Column}): {e.Message}"]);
        }

        if (stream.Documents.Count != 1)
        {
            throw new JobFileException(source, [$"expected exactly one YAML document, found {stream.Documents.Count}"]);
        }

        var binder = new YamlBinder();
        var job = binder.Bind<V1Alpha1TwaJob>(stream.Documents[0].RootNode, "");
        var problems = binder.Problems.Concat(TwaJobValidator.Validate(job)).ToList();
        if (problems.Count > 0)
        {
            throw new JobFileException(source, problems);
        }

        return job;
    }
}
