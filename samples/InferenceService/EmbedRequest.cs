namespace InferenceService;

/// <summary>The body of <c>POST /embed</c>: the texts to embed.</summary>
public sealed record EmbedRequest(string[] Texts);
