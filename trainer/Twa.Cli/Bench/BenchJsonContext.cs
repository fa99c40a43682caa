using System.Text.Json.Serialization;

namespace Twa.Cli.Bench;

/// <summary>Source-generated serializer for <see cref="BenchResult"/> (snake_case, indented).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BenchResult))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
