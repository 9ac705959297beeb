using System.Text.Json.Serialization;

namespace TorchMixing.Weighting;

/// <summary>Which regression RegMix picks its mixture with (both are always cross-validated and reported).</summary>
public enum RegMixRegressor
{
    /// <summary>Gradient-boosted trees (<see cref="LightGbmRegression"/>), the authors' default.</summary>
    [JsonStringEnumMemberName("lightgbm")]
    LightGbm,

    /// <summary>Ridge least squares on the weights (<see cref="RegMixRegression"/>), the paper's linear variant.</summary>
    [JsonStringEnumMemberName("ridge")]
    Ridge,
}
