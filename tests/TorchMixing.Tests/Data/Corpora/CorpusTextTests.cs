using TorchMixing.Data.Corpora;

namespace TorchMixing.Tests.Data.Corpora;

public class CorpusTextTests
{
    [Fact]
    public void Brown_tags_are_stripped_and_punctuation_rejoined()
    {
        const string line = "\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ,/, in/in 1/2/cd Atlanta's/np$ term-end/nn ./.";
        Assert.Equal("The jury said \"no evidence\", in 1/2 Atlanta's term-end.", CorpusText.StripBrownTags(line));
    }

    [Fact]
    public void Brown_document_keeps_paragraphs()
    {
        string raw = "\n\n\tA/at dog/nn ./.\n\n\tIt/pps ran/vbd ./.\n\tThen/rb it/pps sat/vbd ./.\n";
        Assert.Equal("A dog.\n\nIt ran. Then it sat.", CorpusText.BrownDocument(raw));
    }

    [Fact]
    public void Dictd_numbers_are_base64_most_significant_first()
    {
        Assert.Equal(0, CorpusText.DictdNumber("A"));
        Assert.Equal(63, CorpusText.DictdNumber("/"));
        Assert.Equal(64 + 2, CorpusText.DictdNumber("BC"));
        Assert.Equal(((6L * 64 + 27) * 64 + 61) * 64 + 11, CorpusText.DictdNumber("Gb9L"));
        Assert.Throws<FormatException>(() => CorpusText.DictdNumber("a-b"));
    }

    [Fact]
    public void Nlp_corpus_sentences_are_grouped_into_documents()
    {
        var docs = CorpusText.NlpCorpusDocuments("[\"a.\", \" b. \", \"c.\", \"d.\", \"e.\"]", 2).ToList();
        Assert.Equal(["a. b.", "c. d.", "e."], docs);
    }
}
