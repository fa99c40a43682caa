namespace Twa.Training.Jobs;

public enum ScheduleName { Step, Cosine, Linear, Constant, Swa }
