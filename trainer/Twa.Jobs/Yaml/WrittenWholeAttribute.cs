namespace Twa.Jobs.Yaml;

/// <summary>Marks a section whose fields are alternatives (e.g. every N epochs or every N steps): when a job file
/// writes the section, <see cref="YamlBinder"/> binds it onto a fresh instance instead of onto the parent's default,
/// so the default alternative does not linger next to the one the user wrote.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class WrittenWholeAttribute : Attribute;
