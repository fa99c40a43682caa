using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Twa.Torch.Serialization;
using Twa.Torch.Tests.TestSupport;

namespace Twa.Torch.Tests.Serialization;

public sealed class SafetensorsFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<DType> AllDTypes =>
        [DType.Float32, DType.Float64, DType.Float16, DType.BFloat16, DType.Int64, DType.Int32, DType.UInt8, DType.Bool];

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void WriteRead_EveryDType_RoundTripsBytesShapeAndDType(DType dtype)
    {
        using var scope = new TensorScope();
        var rng = new Random(1234 + (int)dtype);
        var bytes = new byte[3 * 5 * dtype.ElementSize()];
        rng.NextBytes(bytes);
        if (dtype == DType.Bool)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] &= 1;
            }
        }

        var matrix = Tensors.FromSpan<byte>(bytes, dtype, [3, 5]);
        var scalar = Tensors.FromSpan<byte>(bytes.AsSpan(0, dtype.ElementSize()), dtype, []);
        var empty = Tensors.Empty([0, 4], dtype);
        var path = _dir.File($"{dtype}.safetensors");

        SafetensorsFile.Write(path, [("m", matrix), ("s", scalar), ("e", empty)]);
        using var content = SafetensorsFile.Read(path);

        Assert.Equal(["e", "m", "s"], content.Names.Order());
        Assert.Equal(dtype, content["m"].DType);
        Assert.Equal([3L, 5L], content["m"].Shape);
        Assert.Equal(bytes, SafetensorsBytes.Of(content["m"]));
        Assert.Empty(content["s"].Shape);
        Assert.Equal(bytes.AsSpan(0, dtype.ElementSize()).ToArray(), SafetensorsBytes.Of(content["s"]));
        Assert.Equal([0L, 4L], content["e"].Shape);
        Assert.Equal(dtype, content["e"].DType);
    }

    [Fact]
    public void Write_NonContiguousTensor_StoresRowMajorLogicalOrder()
    {
        using var scope = new TensorScope();
        var t = Tensors.Arange(0, 6, dtype: DType.Float32).View(2, 3).T();
        var path = _dir.File("t.safetensors");

        SafetensorsFile.Write(path, [("t", t)]);
        using var content = SafetensorsFile.Read(path);

        Assert.Equal([3L, 2L], content["t"].Shape);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], content["t"].ToArray<float>());
    }

    [Fact]
    public void WriteRead_Metadata_RoundTripsIncludingEscapesAndUnicode()
    {
        using var scope = new TensorScope();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["note"] = "quote \" backslash \\ newline \n tab \t bell \u0007 é ✓ 🙂",
        };
        var path = _dir.File("meta.safetensors");

        SafetensorsFile.Write(path, [("x", Tensors.Ones([2]))], metadata);
        using var content = SafetensorsFile.Read(path);

        Assert.Equal(metadata, content.Metadata);
    }

    [Fact]
    public void Write_Header_IsEightAlignedSpacePaddedJsonInReferenceOrder()
    {
        using var scope = new TensorScope();
        var path = _dir.File("order.safetensors");
        (string, Tensor)[] tensors =
        [
            ("z_u8", Tensors.Zeros([3], DType.UInt8)),
            ("a_bool", Tensors.Zeros([1], DType.Bool)),
            ("m_f32", Tensors.Zeros([2], DType.Float32)),
            ("b_f32", Tensors.Zeros([2, 2], DType.Float32)),
            ("c_i64", Tensors.Zeros([1], DType.Int64)),
            ("d_f64", Tensors.Zeros([1], DType.Float64)),
            ("e_bf16", Tensors.Zeros([5], DType.BFloat16)),
            ("f_f16", Tensors.Zeros([1], DType.Float16)),
            ("g_i32", Tensors.Zeros([1], DType.Int32)),
        ];

        SafetensorsFile.Write(path, tensors, new Dictionary<string, string> { ["k"] = "v" });

        var file = File.ReadAllBytes(path);
        var n = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        Assert.Equal(0, n % 8);
        var header = Encoding.UTF8.GetString(file, 8, n);
        var json = header.TrimEnd(' ');
        Assert.True(json.Length > n - 8, "at most 7 padding bytes");
        Assert.EndsWith("}", json, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json);
        var keys = doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        // safetensors' writer sorts by dtype, descending in its Dtype enum order
        // (BOOL < U8 < ... < F16 < BF16 < I32 < U32 < F32 < F64 < I64 < U64), then by name; metadata first.
        Assert.Equal(["__metadata__", "c_i64", "d_f64", "b_f32", "m_f32", "g_i32", "e_bf16", "f_f16", "z_u8", "a_bool"], keys);
        long offset = 0;
        foreach (var key in keys.Skip(1))
        {
            var offsets = doc.RootElement.GetProperty(key).GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(offset, offsets[0]);
            offset = offsets[1];
        }

        Assert.Equal(file.Length - 8 - n, offset);
    }

    [Fact]
    public void Write_SingleF32Tensor_ProducesSpecBytesExactly()
    {
        using var scope = new TensorScope();
        var path = _dir.File("exact.safetensors");
        var values = new float[] { 0, 1, 2, 3, 4, 5 };

        SafetensorsFile.Write(path, [("attn0", Tensors.FromArray<float>(values, [1, 1, 2, 3]))]);

        // 65 bytes of compact JSON, padded with 7 spaces to 72 (the same bytes as the reference implementation's
        // own serialisation test for this tensor).
        const string json = "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}";
        Assert.Equal(65, json.Length);
        var expected = SafetensorsBytes.Build(json + new string(' ', 7), SafetensorsBytes.Le(values));
        Assert.Equal(72UL, BinaryPrimitives.ReadUInt64LittleEndian(expected));
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_NoTensorsWithMetadata_ProducesSpecBytesExactly()
    {
        var path = _dir.File("empty.safetensors");

        SafetensorsFile.Write(path, new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["framework"] = "pt" });

        var expected = SafetensorsBytes.Build("{\"__metadata__\":{\"framework\":\"pt\"}}" + new string(' ', 5), []);
        Assert.Equal(expected, File.ReadAllBytes(path));
        using var content = SafetensorsFile.Read(path);
        Assert.Empty(content.Names);
        Assert.Equal("pt", content.Metadata["framework"]);
    }

    [Fact]
    public void Read_HandBuiltFile_ReadsEveryTensorMetadataAndOffsetOrder()
    {
        // Keys deliberately out of offset order, metadata in the middle, no padding (N = odd), an extra unknown
        // field (ignored, as the reference reader does) and whitespace inside the JSON.
        const string json = """
            {"b": {"dtype": "I64", "shape": [2], "data_offsets": [12, 28]},
             "a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12], "extra": 1},
             "__metadata__": {"k": "v"},
             "e": {"dtype": "U8", "shape": [0, 2], "data_offsets": [36, 36]},
             "c": {"dtype": "BF16", "shape": [], "data_offsets": [28, 30]},
             "d": {"dtype": "BOOL", "shape": [2, 3], "data_offsets": [30, 36]}}
            """;
        var buffer = new List<byte>();
        buffer.AddRange(SafetensorsBytes.Le(1.5f, -2f, 3.25f));
        buffer.AddRange(SafetensorsBytes.Le(-7L, 1L << 40));
        buffer.AddRange(new byte[] { 0x80, 0x3F }); // bf16 1.0
        buffer.AddRange(new byte[] { 1, 0, 0, 1, 1, 0 });
        var path = _dir.File("hand.safetensors");
        File.WriteAllBytes(path, SafetensorsBytes.Build(json, buffer.ToArray()));

        using var content = SafetensorsFile.Read(path);

        Assert.Equal(["a", "b", "c", "d", "e"], content.Names);
        Assert.Equal("v", Assert.Single(content.Metadata).Value);
        Assert.Equal([1.5f, -2f, 3.25f], content["a"].ToArray<float>());
        Assert.Equal([-7L, 1L << 40], content["b"].ToArray<long>());
        Assert.Equal(DType.BFloat16, content["c"].DType);
        Assert.Empty(content["c"].Shape);
        Assert.Equal([(ushort)0x3F80], content["c"].ToArray<ushort>());
        Assert.Equal(1.0, content["c"].Item());
        Assert.Equal([2L, 3L], content["d"].Shape);
        Assert.Equal([true, false, false, true, true, false], content["d"].ToArray<bool>());
        Assert.Equal([0L, 2L], content["e"].Shape);
        Assert.Equal(DType.UInt8, content["e"].DType);
    }

    [Fact]
    public void Write_ExistingFile_IsReplacedAndNoTemporaryFileRemains()
    {
        using var scope = new TensorScope();
        var path = _dir.File("model.safetensors");
        SafetensorsFile.Write(path, [("x", Tensors.Zeros([4]))]);
        using var reader = SafetensorsFile.Open(path);

        SafetensorsFile.Write(path, [("x", Tensors.Ones([4])), ("y", Tensors.Ones([1]))]);

        Assert.Equal([path], Directory.GetFiles(_dir.Path));
        using (var content = SafetensorsFile.Read(path))
        {
            Assert.Equal([1f, 1f, 1f, 1f], content["x"].ToArray<float>());
        }

        // A reader opened before the replacement keeps reading the file it opened (rename, not rewrite).
        Assert.Single(reader.Entries);
        Assert.Equal([0f, 0f, 0f, 0f], reader.ReadTensor("x").ToArray<float>());
    }

    [Fact]
    public void Write_DuplicateName_ThrowsAndLeavesExistingFileUntouched()
    {
        using var scope = new TensorScope();
        var path = _dir.File("model.safetensors");
        SafetensorsFile.Write(path, [("x", Tensors.Zeros([4]))]);
        var before = File.ReadAllBytes(path);

        var e = Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(path, [("x", Tensors.Ones([4])), ("x", Tensors.Ones([4]))]));

        Assert.Contains("duplicate tensor name 'x'", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Write_DisposedTensor_ThrowsAndLeavesNoFile()
    {
        var t = Tensors.Zeros([2]);
        t.Dispose();
        var path = _dir.File("never.safetensors");

        Assert.Throws<ObjectDisposedException>(() => SafetensorsFile.Write(path, [("x", t)]));

        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Write_ReservedMetadataName_Throws()
    {
        using var scope = new TensorScope();

        Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(_dir.File("r.safetensors"), [("__metadata__", Tensors.Zeros([1]))]));
    }
}
