// The JSON document of the Redis part of `twa bench` (snake_case via RedisBenchJsonContext). One schema, one file.
using System.Text.Json.Serialization;

namespace Twa.Cli.Bench;

/// <summary>Snapshot write/read throughput of <c>RedisSnapshotStore</c> against redis-benchmark SET/GET of values
/// of the store's chunk size on the same server, with the store's connection count and request windows. MB = 1e6
/// bytes; throughputs use the median time. ReadSeconds: whole snapshot into a preallocated tensor (what the TWA basis
/// loader does); ReadNewSeconds: whole snapshot into a new tensor.</summary>
internal sealed record RedisBenchResult(
    string Schema,
    bool Quick,
    string RedisVersion,
    string Endpoint,
    long SnapshotBytes,
    int ChunkBytes,
    int Rounds,
    int Reps,
    Series WriteSeconds,
    Series ReadSeconds,
    Series ReadNewSeconds,
    Series ShardReadSeconds,
    [property: JsonPropertyName("write_mb_per_s")] double WriteMBps,
    [property: JsonPropertyName("read_mb_per_s")] double ReadMBps,
    [property: JsonPropertyName("read_new_mb_per_s")] double ReadNewMBps,
    [property: JsonPropertyName("shard_read_mb_per_s")] double ShardReadMBps,
    RedisBenchmarkBaseline Baseline,
    double WriteRatio,
    double ReadRatio,
    double ReadNewRatio,
    double TargetRatio,
    [property: JsonPropertyName("load_average_1m")] double? LoadAverage1m,
    [property: JsonPropertyName("load_average_1m_at_end")] double? LoadAverage1mAtEnd);

/// <summary>redis-benchmark SET and GET of <see cref="ValueBytes"/>-byte values over <see cref="Clients"/>
/// connection(s) with <see cref="WritePipeline"/> / <see cref="ReadPipeline"/> requests in flight, requests/s over its runs.</summary>
internal sealed record RedisBenchmarkBaseline(
    string Command,
    int ValueBytes,
    int Requests,
    int Clients,
    int WritePipeline,
    int ReadPipeline,
    Series SetRps,
    Series GetRps,
    [property: JsonPropertyName("set_mb_per_s")] double SetMBps,
    [property: JsonPropertyName("get_mb_per_s")] double GetMBps);
