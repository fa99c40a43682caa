using Twa.Torch.Serialization;
using Twa.Torch.Tests.TestSupport;

namespace Twa.Torch.Tests.Serialization;

public sealed class SafetensorsMalformedTests : IDisposable
{
    private const string F32x2At0 = "\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string, int, string> BadHeaders => new()
    {
        { "bad json", "{\"a\": {\"dtype\": \"F32\",", 0, "not valid JSON" },
        { "not an object", "[{\"a\": 1}]", 0, "does not start with '{'" },
        { "entry not an object", "{\"a\": [1, 2]}", 0, "tensor 'a': entry is a Array, not an object" },
        { "unknown dtype", "{\"a\": {\"dtype\": \"F7\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 8, "tensor 'a': unknown dtype 'F7'" },
        { "missing dtype", "{\"a\": {\"shape\": [2], \"data_offsets\": [0, 8]}}", 8, "tensor 'a': missing or non-string 'dtype'" },
        { "missing offsets", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2]}}", 8, "tensor 'a': 'data_offsets' is missing" },
        { "three offsets", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4, 8]}}", 8, "'data_offsets' is missing or not an array of 2" },
        { "negative dimension", "{\"a\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", 8, "'shape' entry -2 is not a non-negative" },
        { "fractional dimension", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}}", 8, "'shape' entry 2.5 is not a non-negative" },
        { "offsets too short for shape", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 4, "span 4 bytes but F32 shape [2] needs 8" },
        { "offsets too long for shape", "{\"a\": {\"dtype\": \"F64\", \"shape\": [2, 1], \"data_offsets\": [0, 24]}}", 24, "span 24 bytes but F64 shape [2, 1] needs 16" },
        { "offsets reversed", "{\"a\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 0]}}", 8, "end before they begin" },
        { "shape overflows", "{\"a\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 0]}}", 0, "overflows" },
        {
            "overlap", "{\"a\": {" + F32x2At0 + "}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12,
            "tensor 'b' bytes [4, 12) overlap tensor 'a' bytes [0, 8)"
        },
        {
            "same range twice", "{\"a\": {" + F32x2At0 + "}, \"b\": {" + F32x2At0 + "}}", 8, "overlap tensor"
        },
        {
            "gap", "{\"a\": {" + F32x2At0 + "}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [12, 20]}}", 20,
            "gap in the data buffer: bytes [8, 12) before tensor 'b'"
        },
        { "gap at start", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12, "gap in the data buffer: bytes [0, 4)" },
        { "past end of buffer", "{\"a\": {" + F32x2At0 + "}}", 4, "tensor 'a' bytes [0, 8) run past the end of the 4-byte data buffer" },
        { "trailing bytes", "{\"a\": {" + F32x2At0 + "}}", 12, "4 trailing byte(s) belong to no tensor" },
        { "duplicate name", "{\"a\": {" + F32x2At0 + "}, \"a\": {" + F32x2At0 + "}}", 8, "duplicate key 'a'" },
        { "duplicate field", "{\"a\": {" + F32x2At0 + ", \"dtype\": \"F32\"}}", 8, "tensor 'a': duplicate field 'dtype'" },
        { "metadata not strings", "{\"__metadata__\": {\"epoch\": 3}}", 0, "'__metadata__' value of 'epoch' is a Number, not a string" },
        { "metadata not an object", "{\"__metadata__\": \"x\"}", 0, "'__metadata__' is not an object of strings" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void Open_MalformedHeader_ThrowsNamingFileAndProblem(string name, string json, int bufferLength, string problem)
    {
        var path = _dir.File(name.Replace(' ', '_') + ".safetensors");
        File.WriteAllBytes(path, SafetensorsBytes.Build(json, new byte[bufferLength]));

        AssertMalformed(path, problem);
    }

    [Fact]
    public void Open_FileShorterThanLengthPrefix_Throws()
    {
        var path = _dir.File("short.safetensors");
        File.WriteAllBytes(path, [8, 0, 0]);

        AssertMalformed(path, "the file is 3 byte(s) long, shorter than the 8-byte header length");
    }

    [Fact]
    public void Open_HeaderLengthBeyondFile_Throws()
    {
        var path = _dir.File("long.safetensors");
        File.WriteAllBytes(path, SafetensorsBytes.Build("{}", [], headerLength: 4096));

        AssertMalformed(path, "the header length 4096 runs past the end of the file (10 bytes)");
    }

    [Fact]
    public void Open_HeaderLengthHugeBeyondFile_Throws()
    {
        var path = _dir.File("huge.safetensors");
        File.WriteAllBytes(path, SafetensorsBytes.Build("{}", [], headerLength: ulong.MaxValue));

        AssertMalformed(path, $"the header length {ulong.MaxValue} runs past the end of the file");
    }

    [Fact]
    public void Open_HeaderNotUtf8_Throws()
    {
        var path = _dir.File("latin1.safetensors");
        byte[] header = [(byte)'{', (byte)'"', 0xE9, (byte)'"', (byte)':', (byte)'{', (byte)'}', (byte)'}'];
        File.WriteAllBytes(path, SafetensorsBytes.Build(header, []));

        AssertMalformed(path, "the header is not valid UTF-8");
    }

    [Fact]
    public void Open_EmptyHeader_Throws()
    {
        var path = _dir.File("nohead.safetensors");
        File.WriteAllBytes(path, SafetensorsBytes.Build("", []));

        AssertMalformed(path, "the header is empty");
    }

    [Fact]
    public void Open_TruncatedFile_ThrowsRunPastEnd()
    {
        var path = _dir.File("cut.safetensors");
        using (var scope = new TensorScope())
        {
            SafetensorsFile.Write(path, [("w", Tensors.Ones([4, 4])), ("b", Tensors.Ones([4]))]);
        }

        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);

        AssertMalformed(path, "tensor 'w' bytes [16, 80) run past the end of the 77-byte data buffer (file truncated?)");
    }

    [Fact]
    public void Read_ValidButUnsupportedDType_ListsEntryButThrowsNotSupportedOnRead()
    {
        var path = _dir.File("i8.safetensors");
        File.WriteAllBytes(path, SafetensorsBytes.Build("{\"q\": {\"dtype\": \"I8\", \"shape\": [3], \"data_offsets\": [0, 3]}}", [1, 2, 3]));

        using var reader = SafetensorsFile.Open(path);
        var entry = Assert.Single(reader.Entries);
        Assert.Equal("I8", entry.DTypeName);
        Assert.Null(entry.DType);
        var e = Assert.Throws<NotSupportedException>(() => reader.ReadTensor("q"));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'q' has dtype I8", e.Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => SafetensorsFile.Read(path).Dispose());
    }

    private static void AssertMalformed(string path, string problem)
    {
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path + ": not a valid safetensors file: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Read(path).Dispose());
    }
}
