using TorchMixing.Training;

namespace TorchMixing.Tests.Training;

public class LrScheduleTests
{
    [Fact]
    public void WarmsUpLinearlyThenFollowsHalfACosineToTheMinimum()
    {
        var s = new LrSchedule(Peak: 1.0, Min: 0.1, WarmupSteps: 10, TotalSteps: 110);
        Assert.Equal(0.1, s.At(0), 12);                 // (0 + 1)/10 of the peak
        Assert.Equal(1.0, s.At(9), 12);                 // end of warm-up
        Assert.Equal(1.0, s.At(10), 12);                // cosine starts at the peak
        Assert.Equal(0.55, s.At(60), 12);               // halfway: cos(π/2) = 0 ⇒ (peak + min)/2
        Assert.Equal(0.1, s.At(110), 12);               // the last step reaches the minimum
        for (long t = 10; t < 110; t++) Assert.True(s.At(t + 1) <= s.At(t));
    }
}
