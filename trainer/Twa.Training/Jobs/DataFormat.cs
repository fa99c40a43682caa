namespace Twa.Training.Jobs;

/// <summary>On-disk dataset format.</summary>
public enum DataFormat { Idx, Cifar }
