using Twa.Jobs;

namespace Twa.Training.Optim;

/// <summary>
/// Learning rate as a function of the global step (0-based), for a phase of <c>epochs × stepsPerEpoch</c> steps:
/// <list type="bullet">
/// <item><c>constant</c>: lr0.</item>
/// <item><c>step</c>: lr0·γ^k, k = number of milestones ≤ the current epoch (torch's MultiStepLR, stepped per epoch;
/// default milestones [int(0.5E), int(0.75E + 0.9)] as the TWA code, so E = 1 decays from the start).</item>
/// <item><c>linear</c>: lr0·(1 - t/T) per step (first step lr0, last lr0/T).</item>
/// <item><c>cosine</c>: linear warm-up lr0·(t+1)/W for t &lt; W, then 0.5·(1 + cos(π(t-W)/(T-W)))·lr0.</item>
/// <item><c>swa</c>: per epoch, t = epoch/swaStart (epoch/E without one), r = swaLr/lr0 (0.01 without): lr0 for
/// t ≤ 0.5, lr0·(1 − (1−r)(t−0.5)/0.4) up to t = 0.9, then lr0·r.</item>
/// </list>
/// Immutable; thread-safe.
/// </summary>
public sealed class LearningRateSchedule
{
    private readonly double _lr0;
    private readonly ScheduleSpec _spec;
    private readonly int[] _milestones;

    public LearningRateSchedule(ScheduleSpec spec, double lr0, int epochs, long stepsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerEpoch, 1);
        _spec = spec;
        _lr0 = lr0;
        StepsPerEpoch = stepsPerEpoch;
        TotalSteps = epochs * stepsPerEpoch;
        _milestones = spec.Milestones ?? [(int)(0.5 * epochs), (int)(0.75 * epochs + 0.9)];
        WarmupSteps = spec.WarmupFraction > 0
            ? (long)(spec.WarmupFraction * TotalSteps)
            : (long)Math.Round(spec.WarmupEpochs * stepsPerEpoch);
    }

    public long StepsPerEpoch { get; }
    public long TotalSteps { get; }
    public long WarmupSteps { get; }
    public IReadOnlyList<int> Milestones => _milestones;

    public double At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        switch (_spec.Name)
        {
            case ScheduleName.Constant:
                return _lr0;
            case ScheduleName.Step:
                var epoch = step / StepsPerEpoch;
                return _lr0 * Math.Pow(_spec.Gamma, _milestones.Count(m => m <= epoch));
            case ScheduleName.Linear:
                return _lr0 * (1 - (double)step / TotalSteps);
            case ScheduleName.Cosine:
                if (step < WarmupSteps)
                {
                    return _lr0 * (step + 1) / WarmupSteps;
                }

                return 0.5 * (1 + Math.Cos(Math.PI * (step - WarmupSteps) / (TotalSteps - WarmupSteps))) * _lr0;
            case ScheduleName.Swa:
                // swa/train.py: t = epoch / swa_start, r = swa_lr / lr_init; 1 until 0.5, linear to r at 0.9, then r.
                var t = (double)(step / StepsPerEpoch) / (_spec.SwaStart > 0 ? _spec.SwaStart : TotalSteps / (double)StepsPerEpoch);
                var r = _spec.SwaStart > 0 ? _spec.SwaLr / _lr0 : 0.01;
                var factor = t <= 0.5 ? 1.0 : t <= 0.9 ? 1.0 - (1.0 - r) * (t - 0.5) / 0.4 : r;
                return _lr0 * factor;
            default:
                throw new InvalidOperationException($"unknown schedule {_spec.Name}");
        }
    }
}
