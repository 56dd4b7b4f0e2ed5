namespace GpuPool.Runtime.Placement;

/// <summary>
/// Keeps the lowest score seen and breaks exact ties uniformly at random (reservoir sampling), so
/// that a policy needs no list of candidates.
/// </summary>
internal struct TieBreaker
{
    private const double Epsilon = 1e-9;
    private int _ties;

    public TieBreaker()
    {
        Score = double.PositiveInfinity;
    }

    /// <summary>The best score so far.</summary>
    public double Score { get; private set; }

    /// <summary>True when a candidate has been kept.</summary>
    public readonly bool HasValue => _ties > 0;

    /// <summary>Offers a candidate; returns true when it becomes the kept one.</summary>
    public bool Offer(double score, Random random)
    {
        if (_ties == 0 || score < Score - Epsilon * Math.Max(1, Math.Abs(Score)))
        {
            Score = score;
            _ties = 1;
            return true;
        }

        if (score <= Score + Epsilon * Math.Max(1, Math.Abs(Score)))
        {
            _ties++;
            return random.Next(_ties) == 0;
        }

        return false;
    }
}
