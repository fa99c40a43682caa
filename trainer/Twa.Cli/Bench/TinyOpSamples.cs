namespace Twa.Cli.Bench;

/// <summary>ns per call, one sample per timed batch.</summary>
/// <param name="AddInScope"><c>a.Add(b)</c> inside a <see cref="Twa.Torch.TensorScope"/> of
/// <see cref="BenchSettings.ScopeSize"/> calls; includes handle creation and the scope's disposal.</param>
/// <param name="AddUsing"><c>using var c = a.Add(b);</c> (explicit dispose, no scope).</param>
/// <param name="NumElements">The <c>NumElements</c> getter: P/Invoke with SafeHandle marshalling and a status check.</param>
/// <param name="RawPInvoke"><c>LibTorch.LiveTensorCount</c>: a P/Invoke with no handle and no status.</param>
internal sealed record TinyOpSamples(double[] AddInScope, double[] AddUsing, double[] NumElements, double[] RawPInvoke);
