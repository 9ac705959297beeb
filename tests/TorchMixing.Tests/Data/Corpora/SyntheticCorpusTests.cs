using TorchMixing.Data;
using TorchMixing.Data.Corpora;

namespace TorchMixing.Tests.Data.Corpora;

public sealed class SyntheticCorpusTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("torchmix-synth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Same_seed_gives_the_same_documents_and_at_least_the_requested_size()
    {
        var vocab = SyntheticCorpus.Vocabulary(["the cat sat on the mat", "the dog ran"]);
        Assert.Equal("the", vocab.Words[0]);
        Assert.Equal(3.0, vocab.Weights[0]);
        List<string> Read(string folder)
        {
            var files = SyntheticCorpus.Write(folder, 200_000, vocab, seed: 3, shardBytes: 120_000, docsPerRowGroup: 50);
            Assert.Equal(2, files.Count);
            var docs = new List<string>();
            int groups = 0;
            foreach (var f in files)
            {
                using var r = ParquetTextReader.Open(f, "text");
                groups += r.RowGroupCount;
                for (int g = 0; g < r.RowGroupCount; g++) docs.AddRange(r.ReadRowGroup(g)!);
            }
            Assert.True(groups > files.Count, $"{groups} row groups in {files.Count} files: expected several per shard");
            return docs;
        }
        var a = Read(Path.Combine(_dir, "a"));
        Assert.Equal(a, Read(Path.Combine(_dir, "b")));
        Assert.True(a.Sum(d => System.Text.Encoding.UTF8.GetByteCount(d)) >= 200_000);
    }
}
