using System.Diagnostics.CodeAnalysis;

// Project name = namespace = folder (STYLE.md); `Operator` is a VB keyword, irrelevant for this C# code base.
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:Twa.Operator.Runtime")]
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:Twa.Operator.Host")]

// client-go's name for the reconcile queue; it is a queue.
[assembly: SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Scope = "type", Target = "~T:Twa.Operator.Runtime.WorkQueue")]
