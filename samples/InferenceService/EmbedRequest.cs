namespace InferenceService;

/// <summary>The body of <c>POST /embed</c>.</summary>
public sealed record EmbedRequest(float[][] Vectors);
