#pragma warning disable CA1720 // Members spell the YAML values users write (matched case-insensitively).
namespace Twa.Jobs;

public enum OptimizerName { Sgd, AdamW }
