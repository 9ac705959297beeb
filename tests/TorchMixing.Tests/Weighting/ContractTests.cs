using TorchMixing.Weighting;

namespace TorchMixing.Tests.Weighting;

public class ContractTests
{
    [Fact]
    public void Decoupled_scale_is_importance_times_loss_weight_over_count()
    {
        var s = LossScales.Compute([0.2, 0.8], [2.0, 0.5], [4, 12], GradientMode.Decoupled);
        Assert.Equal(0.2 * 2.0 / 4, s[0], 15);
        Assert.Equal(0.8 * 0.5 / 12, s[1], 15);
    }

    [Fact]
    public void Classic_scale_is_loss_weight_over_batch_size()
    {
        var s = LossScales.Compute([0.2, 0.8], [2.0, 0.5], [4, 12], GradientMode.Classic);
        Assert.Equal(2.0 / 16, s[0], 15);
        Assert.Equal(0.5 / 16, s[1], 15);
    }

    [Fact]
    public void Decoupled_refuses_a_needed_domain_missing_from_the_batch()
    {
        Assert.Throws<InvalidOperationException>(() => LossScales.Compute([0.5, 0.5], [1, 1], [8, 0], GradientMode.Decoupled));
    }

    [Theory]
    [InlineData(new double[] { 1, -0.1 }, "loss_weights[1]", "non-negative")]
    [InlineData(new double[] { double.NaN, 1 }, "loss_weights[0]", "finite")]
    [InlineData(new double[] { 0, 0 }, "loss_weights", "all weights are zero")]
    [InlineData(new double[] { 1, 1, 1 }, "loss_weights", "expected 2 values")]
    public void Bad_weights_name_the_field(double[] w, string field, string what)
    {
        var e = Assert.Throws<UserInputException>(() => DomainVector.Validate(w, 2, "loss_weights"));
        Assert.Contains(field, e.Message);
        Assert.Contains(what, e.Message);
    }

    [Fact]
    public void Mixture_weights_validation_prefixes_the_source()
    {
        var m = new MixtureWeights([0.5, 0.5], [1, double.PositiveInfinity], [0.5, 0.5]);
        var e = Assert.Throws<UserInputException>(() => m.Validated("exp.json"));
        Assert.StartsWith("exp.json: loss_weights[1]", e.Message);
    }
}
