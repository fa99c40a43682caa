using System.Globalization;
using System.Text.Json;
using Twa.Torch.Serialization;
using Twa.Torch.Tests.TestSupport;

namespace Twa.Torch.Tests.Serialization;

/// <summary>Files written or checked by independent Python code (json + struct only, and torch when Debian's
/// python3-torch is importable). Nothing is installed; missing interpreters skip the tests with the reason.</summary>
public sealed class SafetensorsPythonInteropTests : IDisposable
{
    // Writes a safetensors file by hand: keys in its own order, JSON with spaces, no padding.
    private const string StructWriter = """
        import json, struct, sys
        tensors = [
            ("f32", "F32", [2, 2], struct.pack("<4f", 1.5, -2.0, 0.25, 1e30)),
            ("f64", "F64", [3], struct.pack("<3d", 3.141592653589793, -0.0, 2.0 ** -1074)),
            ("i64", "I64", [2], struct.pack("<2q", -(2 ** 62), 7)),
            ("i32", "I32", [1], struct.pack("<i", -5)),
            ("u8", "U8", [3], bytes([0, 128, 255])),
            ("flag", "BOOL", [2], struct.pack("<2?", True, False)),
            ("f16", "F16", [2], struct.pack("<2e", 0.5, -65504.0)),
            ("bf16", "BF16", [2], struct.pack("<f", -3.0)[2:] + struct.pack("<f", 256.0)[2:]),
        ]
        header, buf = {"__metadata__": {"writer": "python-struct"}}, b""
        for name, dtype, shape, data in tensors:
            header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(buf), len(buf) + len(data)]}
            buf += data
        h = json.dumps(header).encode("utf-8")
        with open(sys.argv[1], "wb") as f:
            f.write(struct.pack("<Q", len(h)) + h + buf)
        """;

    // Parses a safetensors file with json + struct only and prints what it found as JSON.
    private const string StructChecker = """
        import json, struct, sys
        data = open(sys.argv[1], "rb").read()
        (n,) = struct.unpack("<Q", data[:8])
        assert n % 8 == 0, "header length not 8-aligned"
        raw = data[8:8 + n].decode("utf-8")
        assert raw.startswith("{") and raw.rstrip(" ") == raw.rstrip(), "header padding must be spaces"
        header = json.loads(raw)
        buf = data[8 + n:]
        fmt = {"F32": "f", "F64": "d", "I64": "q", "I32": "i", "U8": "B", "BOOL": "?", "F16": "e"}
        size = {"F32": 4, "F64": 8, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1, "F16": 2}
        out, end = {"metadata": header.pop("__metadata__", {}), "tensors": {}}, 0
        for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
            b, e = info["data_offsets"]
            assert b == end, "gap or overlap at " + name
            count = 1
            for d in info["shape"]:
                count *= d
            assert e - b == count * size[info["dtype"]], "size mismatch at " + name
            values = struct.unpack("<%d%s" % (count, fmt[info["dtype"]]), buf[b:e])
            out["tensors"][name] = {"dtype": info["dtype"], "shape": info["shape"], "values": [float(v) for v in values]}
            end = e
        assert end == len(buf), "trailing bytes"
        print(json.dumps(out))
        """;

    // Builds tensors with torch, serialises them to safetensors by hand (json + struct; torch.save is not
    // safetensors) and writes the expected values (as float64) next to the file.
    private const string TorchWriter = """
        import json, struct, sys, torch
        g = torch.Generator().manual_seed(7)
        tensors = {
            "conv1.weight": torch.randn(4, 3, 3, 3, generator=g),
            "fc.weight": torch.randn(5, 4, generator=g, dtype=torch.float64),
            "half": torch.randn(6, generator=g).half(),
            "brain": torch.randn(2, 3, generator=g).bfloat16(),
            "steps": torch.arange(-3, 3, dtype=torch.int64),
            "idx": torch.arange(0, 4, dtype=torch.int32),
            "bytes": torch.arange(250, 256, dtype=torch.uint8),
            "mask": torch.tensor([True, False, True]),
        }
        def raw(t):
            t = t.contiguous().flatten()
            if t.dtype == torch.bfloat16:
                return struct.pack("<%dh" % t.numel(), *t.view(torch.int16).tolist())
            code = {torch.float32: "f", torch.float64: "d", torch.float16: "e", torch.int64: "q",
                    torch.int32: "i", torch.uint8: "B", torch.bool: "?"}[t.dtype]
            return struct.pack("<%d%s" % (t.numel(), code), *t.tolist())
        name_of = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
                   torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}
        header, buf = {"__metadata__": {"format": "pt"}}, b""
        for name, t in tensors.items():
            data = raw(t)
            header[name] = {"dtype": name_of[t.dtype], "shape": list(t.shape), "data_offsets": [len(buf), len(buf) + len(data)]}
            buf += data
        h = json.dumps(header).encode("utf-8")
        with open(sys.argv[1], "wb") as f:
            f.write(struct.pack("<Q", len(h)) + h + buf)
        expected = {name: {"shape": list(t.shape), "values": t.double().flatten().tolist()} for name, t in tensors.items()}
        with open(sys.argv[2], "w") as f:
            json.dump(expected, f)
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [PythonFact]
    public void Read_FileWrittenByPythonStruct_ReadsEveryValue()
    {
        var path = _dir.File("py.safetensors");
        Python.Run(StructWriter, path);

        using var content = SafetensorsFile.Read(path);

        Assert.Equal("python-struct", content.Metadata["writer"]);
        Assert.Equal(["f32", "f64", "i64", "i32", "u8", "flag", "f16", "bf16"], content.Names);
        Assert.Equal([2L, 2L], content["f32"].Shape);
        Assert.Equal([1.5f, -2f, 0.25f, 1e30f], content["f32"].ToArray<float>());
        Assert.Equal([Math.PI, -0.0, double.Epsilon], content["f64"].ToArray<double>());
        Assert.Equal([-(1L << 62), 7L], content["i64"].ToArray<long>());
        Assert.Equal([-5], content["i32"].ToArray<int>());
        Assert.Equal([0, 128, 255], content["u8"].ToArray<byte>());
        Assert.Equal([true, false], content["flag"].ToArray<bool>());
        Assert.Equal([(Half)0.5, (Half)(-65504)], content["f16"].ToArray<Half>());
        using var bf16 = content["bf16"].To(DType.Float32);
        Assert.Equal([-3f, 256f], bf16.ToArray<float>());
    }

    [PythonFact]
    public void Write_FileParsedByPythonStruct_AgreesOnLayoutAndValues()
    {
        using var scope = new TensorScope();
        var path = _dir.File("cs.safetensors");
        SafetensorsFile.Write(path,
        [
            ("fc1.weight", Tensors.FromArray<float>([0.5f, -1.25f, 3f, 1e-3f], [2, 2])),
            ("fc1.bias", Tensors.FromArray<double>([2.5, -7])),
            ("step", Tensors.FromArray<long>([123456789012L])),
            ("half", Tensors.FromArray<Half>([(Half)1.5, (Half)(-2)])),
            ("mask", Tensors.FromArray<bool>([true, false, true])),
            ("bytes", Tensors.FromArray<byte>([9, 250])),
            ("count", Tensors.FromArray<int>([-42])),
        ], new Dictionary<string, string> { ["epoch"] = "3" });

        using var doc = JsonDocument.Parse(Python.Run(StructChecker, path));

        Assert.Equal("3", doc.RootElement.GetProperty("metadata").GetProperty("epoch").GetString());
        var tensors = doc.RootElement.GetProperty("tensors");
        Assert.Equal([0.5, -1.25, 3, (double)1e-3f], Values(tensors, "fc1.weight"));
        Assert.Equal([2.5, -7], Values(tensors, "fc1.bias"));
        Assert.Equal([123456789012.0], Values(tensors, "step"));
        Assert.Equal([1.5, -2], Values(tensors, "half"));
        Assert.Equal([1.0, 0, 1], Values(tensors, "mask"));
        Assert.Equal([9.0, 250], Values(tensors, "bytes"));
        Assert.Equal([-42.0], Values(tensors, "count"));
        Assert.Equal([2, 2], tensors.GetProperty("fc1.weight").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
    }

    [PythonFact(requiresTorch: true)]
    public void Read_FileWrittenFromPythonTorchTensors_MatchesTorchValues()
    {
        var path = _dir.File("torch.safetensors");
        var expectedPath = _dir.File("expected.json");
        Python.Run(TorchWriter, path, expectedPath);

        using var content = SafetensorsFile.Read(path);
        using var expected = JsonDocument.Parse(File.ReadAllText(expectedPath));

        Assert.Equal("pt", content.Metadata["format"]);
        foreach (var item in expected.RootElement.EnumerateObject())
        {
            var t = content[item.Name];
            Assert.Equal(item.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()), t.Shape);
            using var asDouble = t.To(DType.Float64);
            var want = item.Value.GetProperty("values").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(want, asDouble.ToArray<double>());
        }
    }

    private static double[] Values(JsonElement tensors, string name) =>
        tensors.GetProperty(name).GetProperty("values").EnumerateArray()
            .Select(e => double.Parse(e.GetRawText(), CultureInfo.InvariantCulture)).ToArray();
}
