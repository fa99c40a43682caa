using Twa.Training.Jobs;
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
