namespace Twa.Jobs;

public enum ScheduleName { Step, Cosine, Linear, Constant, Swa }
