namespace Twa.Jobs;

/// <summary>On-disk dataset format.</summary>
public enum DataFormat { Idx, Cifar }
