namespace Twa.Training.Tests;

/// <summary>Test classes that change process-wide settings (e.g. <c>LibTorch.NumThreads</c>) run alone: other tests,
/// such as in-process ranks compared bitwise, would otherwise see the setting change under them (a matmul split over
/// another number of threads rounds differently).</summary>
[CollectionDefinition(nameof(ProcessGlobalState), DisableParallelization = true)]
public sealed class ProcessGlobalState;
