namespace Twa.Operator.Runtime;

/// <summary>Severity of an <see cref="OperatorLog"/> line; <see cref="Off"/> drops all.</summary>
public enum LogLevel { Debug, Info, Warn, Error, Off }
