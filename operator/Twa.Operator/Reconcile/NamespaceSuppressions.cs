using System.Diagnostics.CodeAnalysis;

// Project name = namespace = folder (STYLE.md); `Operator` is a VB keyword, irrelevant for this C# code base.
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:Twa.Operator.Reconcile")]
