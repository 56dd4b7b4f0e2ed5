namespace GpuPool.Runtime.Scheduling;

/// <summary>The choice of the next run (called under the lock).</summary>
internal sealed partial class DeviceQueue
{
    private List<(PendingRun Run, RunAdmission Admission)>? Dispatch()
    {
        List<(PendingRun Run, RunAdmission Admission)>? admitted = null;
        var now = _time.GetTimestamp();
        RemoveEndedFlows();
        while (_running < Slots && _queued > 0)
        {
            var reserve = IsHighReserved(now);
            LeaseFlow? best = null;
            var bestClass = int.MaxValue;
            foreach (var flow in _flows.Values)
            {
                if (flow.Queue.Count == 0)
                {
                    continue;
                }

                var cls = Eligibility(flow, reserve, now);
                if (cls >= 0 && (best is null || IsBefore(flow, cls, best, bestClass)))
                {
                    best = flow;
                    bestClass = cls;
                }
            }

            if (best is null)
            {
                break;
            }

            var run = best.Queue.First!.Value;
            best.Queue.RemoveFirst();
            _queued--;
            (admitted ??= []).Add((run, Admit(best, now)));
        }

        ArmWakeTimer();
        return admitted;
    }

    /// <summary>True while a High-priority lease was active within the reserve window: one slot is kept for High runs.</summary>
    private bool IsHighReserved(long now) =>
        Slots > 1 && _lastHighActivity != long.MinValue && _time.GetElapsedTime(_lastHighActivity, now) <= _options.HighPriorityReserveWindow;

    /// <summary>
    /// Whether the flow may take a free slot now and in which class: 0 owed its share, 1 borrowing idle capacity,
    /// 2 borrowing as a Low lease; -1 when it must wait (the High reserve, or its hard cap).
    /// </summary>
    private int Eligibility(LeaseFlow flow, bool reserve, long now)
    {
        Accrue(flow, now);
        if (reserve && flow.Priority != LeasePriority.High && _runningOthers >= Slots - 1)
        {
            return -1;
        }

        if (flow.Tokens > 0)
        {
            return 0;
        }

        return flow.HardCap ? -1 : flow.Priority == LeasePriority.Low ? 2 : 1;
    }

    /// <summary>Gives the flow a slot, charging its expected time now (settled when the run ends).</summary>
    private RunAdmission Admit(LeaseFlow flow, long now)
    {
        _running++;
        flow.Running++;
        if (flow.Priority != LeasePriority.High)
        {
            _runningOthers++;
        }
        else
        {
            _lastHighActivity = now;
        }

        // Charged in advance so that concurrent slots are not all handed to one lease before its first run is measured.
        var estimate = flow.EstimateSeconds;
        Charge(flow, estimate, now);
        return new RunAdmission(flow, estimate, ContextFor(flow));
    }

    private static bool IsBefore(LeaseFlow flow, int cls, LeaseFlow best, int bestClass)
    {
        if (cls != bestClass)
        {
            return cls < bestClass;
        }

        if (flow.Priority != best.Priority)
        {
            return flow.Priority > best.Priority;
        }

        if (flow.VirtualTime != best.VirtualTime)
        {
            return flow.VirtualTime < best.VirtualTime;
        }

        return flow.Queue.First!.Value.Sequence < best.Queue.First!.Value.Sequence;
    }

    /// <summary>Seconds of device time per second the lease is entitled to.</summary>
    private double RateOf(LeaseFlow flow) => flow.Weight / (double)SliceRequest.FullDeviceMilli * Slots;

    private double BucketOf(LeaseFlow flow) => _options.BurstWindow.TotalSeconds * RateOf(flow);

    private void Accrue(LeaseFlow flow, long now)
    {
        var elapsed = _time.GetElapsedTime(flow.LastAccrued, now).TotalSeconds;
        flow.LastAccrued = now;
        if (elapsed > 0)
        {
            flow.Tokens = Math.Min(BucketOf(flow), flow.Tokens + (elapsed * RateOf(flow)));
        }
    }

    private void Charge(LeaseFlow flow, double seconds, long now)
    {
        Accrue(flow, now);
        var bucket = BucketOf(flow);
        flow.Tokens = Math.Clamp(flow.Tokens - seconds, -bucket, bucket);
        flow.VirtualTime += seconds / flow.Weight;
    }

    private double MinBackloggedVirtualTime()
    {
        var min = double.NaN;
        foreach (var flow in _flows.Values)
        {
            if (flow.IsBacklogged && (double.IsNaN(min) || flow.VirtualTime < min))
            {
                min = flow.VirtualTime;
            }
        }

        return double.IsNaN(min) ? 0 : min;
    }

    private void RemoveEndedFlows()
    {
        List<string>? ended = null;
        foreach (var flow in _flows.Values)
        {
            if (!flow.IsBacklogged && !flow.Lease.IsActive)
            {
                (ended ??= []).Add(flow.Id);
            }
        }

        if (ended is not null)
        {
            foreach (var id in ended)
            {
                _flows.Remove(id);
            }

            _lastFlow = null;
        }
    }

    /// <summary>Wakes the queue when the first waiting hard-capped lease's bucket turns positive.</summary>
    private void ArmWakeTimer()
    {
        var due = double.PositiveInfinity;
        if (_running < Slots)
        {
            foreach (var flow in _flows.Values)
            {
                if (flow.HardCap && flow.Queue.Count > 0 && flow.Tokens <= 0)
                {
                    due = Math.Min(due, (-flow.Tokens / RateOf(flow)) + 1e-6);
                }
            }
        }

        // Disarming a timer that is not armed is skipped: most dispatches find nobody hard-capped waiting.
        if (double.IsPositiveInfinity(due))
        {
            if (_wakeArmed)
            {
                _wakeArmed = false;
                _wakeTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            return;
        }

        _wakeArmed = true;
        _wakeTimer.Change(TimeSpan.FromSeconds(due), Timeout.InfiniteTimeSpan);
    }
}
