using TorchMixing.Config;
using TorchMixing.IO;
using TorchMixing.Runtime;

namespace TorchMixing.Tests.Runtime;

public class RuntimeTests
{
    public sealed record Inner(int Layers = 2, double Lr = 0.1);
    public sealed record Sample(string Name = "x", Inner? Model = null, double[]? Weights = null);

    [Fact]
    public void Rng_is_deterministic_and_its_state_restores()
    {
        var a = new Rng(7);
        for (int i = 0; i < 100; i++) a.NextUInt64();
        var b = Rng.FromState(a.State);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        Assert.NotEqual(new Rng(1).NextUInt64(), new Rng(2).NextUInt64());
    }

    [Fact]
    public void Rng_gaussian_has_unit_variance()
    {
        var r = new Rng(3);
        var xs = Enumerable.Range(0, 200_000).Select(_ => r.NextGaussian()).ToArray();
        double m = xs.Average(), v = xs.Select(x => (x - m) * (x - m)).Average();
        Assert.InRange(m, -0.01, 0.01);   // sd of the mean ≈ 0.0022
        Assert.InRange(v, 0.985, 1.015);  // sd of the variance ≈ 0.0032
    }

    [Fact]
    public void Config_loads_snake_case_and_applies_overrides()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tm-cfg-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "name": "run", "model": { "layers": 4 }, /* comment */ "weights": [1, 2], }""");
        var c = ConfigLoader.Load<Sample>(path, ["model.lr=0.5", "name=other"]);
        Assert.Equal("other", c.Name);
        Assert.Equal(4, c.Model!.Layers);
        Assert.Equal(0.5, c.Model.Lr);
        Assert.Equal(new double[] { 1, 2 }, c.Weights);
        File.Delete(path);
    }

    [Fact]
    public void Config_errors_name_the_file_and_field()
    {
        var missing = Assert.Throws<UserInputException>(() => ConfigLoader.Load<Sample>("no/such.json"));
        Assert.Equal("no/such.json: config file not found.", missing.Message);

        string path = Path.Combine(Path.GetTempPath(), $"tm-cfg-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "model": { "layerz": 4 } }""");
        var unknown = Assert.Throws<UserInputException>(() => ConfigLoader.Load<Sample>(path));
        Assert.Contains(path, unknown.Message);
        Assert.Contains("layerz", unknown.Message);

        File.WriteAllText(path, """{ "model": { "layers": "four" } }""");
        var type = Assert.Throws<UserInputException>(() => ConfigLoader.Load<Sample>(path));
        Assert.Contains("model.layers", type.Message);
        File.Delete(path);
    }

    [Fact]
    public void Atomic_write_failure_leaves_the_old_file_and_no_temp()
    {
        string dir = Directory.CreateTempSubdirectory("tm-atomic").FullName;
        string path = Path.Combine(dir, "out.json");
        AtomicFile.WriteAllText(path, "old");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s => { s.WriteByte(1); throw new IOException("disk full"); }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir));
        Directory.Delete(dir, true);
    }
}
