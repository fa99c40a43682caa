using System.Text.Json.Serialization;

namespace Twa.Cli.Bench;

/// <summary>Source-generated serializer for <see cref="RedisBenchResult"/> (snake_case, indented).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(RedisBenchResult))]
internal sealed partial class RedisBenchJsonContext : JsonSerializerContext;
