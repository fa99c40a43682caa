using Twa.Jobs;
using Twa.Training.Optim;

namespace Twa.Training.Tests.Optim;

/// <summary>ALGORITHMS.md section 8, cases 9 (step / linear) and 17 (cosine warm-up).</summary>
public sealed class ScheduleTests
{
    [Theory]
    [InlineData(10, new[] { 5, 8 })]
    [InlineData(2, new[] { 1, 2 })]
    public void Step_DefaultMilestones_AreTheTwaCodes(int epochs, int[] expected)
    {
        var s = new LearningRateSchedule(new ScheduleSpec { Name = ScheduleName.Step }, 2.0, epochs, stepsPerEpoch: 10);
        Assert.Equal(expected, s.Milestones);
        Assert.Equal(2.0, s.At(0));
        Assert.Equal(0.2, s.At(expected[0] * 10), 12);
        Assert.Equal(2.0, s.At(expected[0] * 10 - 1));
    }

    [Fact]
    public void Step_OneEpoch_DecaysFromTheStartLikeTorchMultiStepLR()
    {
        var s = new LearningRateSchedule(new ScheduleSpec { Name = ScheduleName.Step }, 1.0, 1, 5);
        Assert.Equal(0.1, s.At(0), 12); // trap 9: milestone int(0.5) = 0 applies at construction
    }

    [Fact]
    public void Linear_FirstStepLr0_LastStepLr0OverT()
    {
        var s = new LearningRateSchedule(new ScheduleSpec { Name = ScheduleName.Linear }, 3.0, 2, 50);
        Assert.Equal(3.0, s.At(0));
        Assert.Equal(3.0 / 100, s.At(99), 12);
    }

    [Fact]
    public void Cosine_TwentyPercentWarmup_MatchesCase17()
    {
        var s = new LearningRateSchedule(new ScheduleSpec { Name = ScheduleName.Cosine, WarmupFraction = 0.2 }, 1.0, 1, 100);
        Assert.Equal(20, s.WarmupSteps);
        Assert.Equal(1.0 / 20, s.At(0), 12);
        Assert.Equal(1.0, s.At(19), 12);
        Assert.Equal(1.0, s.At(20), 12);
        Assert.Equal(0.5, s.At(60), 12);
        Assert.Equal(3.9e-4, s.At(99), 5);
        Assert.True(s.At(99) > 0);
    }
}

/// <summary>ALGORITHMS.md section 8, case 21 (the SWA paper's schedule) and 22 (EMA).</summary>
public sealed class SwaScheduleAndEmaTests
{
    [Fact]
    public void Swa_Schedule_MatchesCase21()
    {
        var s = new LearningRateSchedule(new ScheduleSpec { Name = ScheduleName.Swa, SwaStart = 10, SwaLr = 0.05 }, 0.1, 12, stepsPerEpoch: 4);
        Assert.Equal(0.1, s.At(5 * 4), 12);             // t = 0.5
        Assert.Equal(0.1 * (1 - 0.5 * 0.5), s.At(7 * 4), 12); // t = 0.7, r = 0.5
        Assert.Equal(0.05, s.At(9 * 4), 12);            // t = 0.9
        Assert.Equal(0.05, s.At(11 * 4 + 3), 12);       // t > 0.9
    }

    [Fact]
    public void Ema_DecayZeroOneAndConstantWeights_BehaveAsSpecified()
    {
        using var scope = new Twa.Torch.TensorScope();
        var w = Twa.Torch.Tensors.FromArray<float>([1, 2]);
        using var follow = new Twa.Training.Averaging.ExponentialMovingAverage(0);
        using var frozen = new Twa.Training.Averaging.ExponentialMovingAverage(1);
        using var usual = new Twa.Training.Averaging.ExponentialMovingAverage(0.9);
        foreach (var ema in new[] { follow, frozen, usual })
        {
            ema.Update(w);
        }

        var moved = Twa.Torch.Tensors.FromArray<float>([5, 6]);
        follow.Update(moved);
        frozen.Update(moved);
        usual.Update(w);
        Assert.Equal(new float[] { 5, 6 }, follow.Average!.ToArray<float>());
        Assert.Equal(new float[] { 1, 2 }, frozen.Average!.ToArray<float>());
        Assert.Equal(new float[] { 1, 2 }, usual.Average!.ToArray<float>()); // constant weights → constant EMA
    }
}
