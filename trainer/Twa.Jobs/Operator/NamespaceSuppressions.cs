using System.Diagnostics.CodeAnalysis;

// The folder is named after the operator that owns these fields (DESIGN.md layout; namespace = folder). `Operator` is a
// VB keyword, which does not matter for a C#-only code base.
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:Twa.Jobs.Operator")]
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:Twa.Jobs.Operator.Schema")]
