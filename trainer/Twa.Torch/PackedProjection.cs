using Twa.Torch.Native;

namespace Twa.Torch;

/// <summary>
/// Fused projection kernels of the centred TWA basis P (n×D) that read the stored basis in place and dequantise
/// on the fly (twa_torch.h, "TWA projection kernels"): no n×D temporary is created and each covered code is read
/// once per call. The basis is either uint8 [n, W ≥ ceil(D·bits/8)] with codes of 1..8 bits packed LSB-first
/// (column j at bits [j·bits, (j+1)·bits) of its row) in TILES of <see cref="TileColumns"/> columns: the bytes of
/// the floor(D / TileColumns) whole tiles come first, tile after tile, each holding its bytes of row 0, then row 1,
/// ...; then the remaining W − (whole tiles)·TileColumns·bits/8 bytes of every row, row after row (for D &lt;
/// TileColumns: plain row-major), so that each tile is one sequential stream; P[i, j] = code·scale[i, b] + low[i, b]
/// for column j in block b. Or float16 / float32 [n, D] row-major holding P itself (bits 16 / 32; scale and low may
/// be null).
/// <c>segments</c> is int64 [S, 3], rows (block, first column, length) in increasing column order that do not
/// overlap: the columns a call covers. Every tensor must be a contiguous CPU tensor; anything else fails with an
/// <see cref="ArgumentException"/> naming the tensor. The kernels run on libtorch's intra-op threads and give the
/// same result for any thread count. Nothing is retained; thread-safe as long as no other thread writes the outputs.
/// </summary>
public static class PackedProjection
{
    /// <summary>Columns per tile of a packed basis (twa_torch.h, TWA_PROJECTION_TILE_COLUMNS).</summary>
    public const long TileColumns = 2048;

    /// <summary>The best instruction set this CPU (and OS) offers the kernels.</summary>
    public static ProjectionIsa BestIsa
    {
        get
        {
            Status.Check(NativeMethods.twa_projection_isa(out _, out var best));
            return (ProjectionIsa)best;
        }
    }

    /// <summary>The instruction set of the kernels called from the current thread: the process's set (<see
    /// cref="SetProcessIsa"/>; <see cref="BestIsa"/> by default) until the thread sets its own. Per thread (tests and
    /// benchmarks compare the sets on one machine; other threads are unaffected); a set above <see cref="BestIsa"/>
    /// throws <see cref="ArgumentException"/>. Results of two sets agree to rounding.</summary>
    public static ProjectionIsa Isa
    {
        get
        {
            Status.Check(NativeMethods.twa_projection_isa(out var current, out _));
            return (ProjectionIsa)current;
        }
        set => Status.Check(NativeMethods.twa_projection_set_isa((int)value));
    }

    /// <summary>Sets the instruction set of every thread that has not set its own <see cref="Isa"/> (null: the best,
    /// the default). A set above <see cref="BestIsa"/> throws <see cref="ArgumentException"/>.</summary>
    public static void SetProcessIsa(ProjectionIsa? isa) => Status.Check(NativeMethods.twa_projection_set_process_isa(isa is { } v ? (int)v : -1));

    /// <summary>The set's name as logs, benchmarks and TWA_PROJECTION_ISA spell it: "avx512", "avx2" or "scalar".</summary>
    public static string NameOf(ProjectionIsa isa) => isa.ToString().ToLowerInvariant();

    /// <summary>The instruction sets at or below <see cref="BestIsa"/>, lowest first.</summary>
    public static IReadOnlyList<ProjectionIsa> AvailableIsas =>
        Enum.GetValues<ProjectionIsa>().Where(i => i <= BestIsa).ToArray();

    /// <summary><paramref name="gradX"/> (f32 [n, L], overwritten) ← Σ over the covered columns j of block b of
    /// P[i, j]·<paramref name="g"/>[j] (f32 [columns]); 0 for blocks without covered columns. Accumulates in
    /// double.</summary>
    public static void Gradient(Tensor basis, int bits, long columns, Tensor? scale, Tensor? low, Tensor segments, Tensor g, Tensor gradX)
    {
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(gradX);
        Status.Check(NativeMethods.twa_projection_gradient(basis.Handle, bits, columns, Tensor.HandleOf(scale), Tensor.HandleOf(low),
            segments.Handle, g.Handle, gradX.Handle));
    }

    /// <summary><paramref name="output"/>[j] ← <paramref name="center"/>[j] + Σ_i P[i, j]·<paramref name="x"/>[i,
    /// block(j)] for every covered column j (f32 [columns]; other entries are left unchanged; output may be
    /// center); x is f32 [n, L].</summary>
    public static void Reconstruct(Tensor basis, int bits, long columns, Tensor? scale, Tensor? low, Tensor segments, Tensor center, Tensor x,
        Tensor output)
    {
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(center);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(output);
        Status.Check(NativeMethods.twa_projection_reconstruct(basis.Handle, bits, columns, Tensor.HandleOf(scale), Tensor.HandleOf(low),
            segments.Handle, center.Handle, x.Handle, output.Handle));
    }
}

/// <summary>Instruction sets of the projection kernels (twa_torch.h, TWA_ISA_*; values are part of the ABI).
/// <see cref="Avx512"/> serves the 1, 2, 4 and 8-bit widths; the other widths run on <see cref="Avx2"/> under
/// it.</summary>
public enum ProjectionIsa
{
    /// <summary>Plain C++.</summary>
    Scalar = 0,

    /// <summary>AVX2 with FMA and F16C.</summary>
    Avx2 = 1,

    /// <summary>AVX-512F (bit-plane widths).</summary>
    Avx512 = 2,
}
