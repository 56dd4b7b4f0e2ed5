using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace GpuPool.Dashboard.Auth;

/// <summary>
/// Server-side sessions: the cookie carries only a random session id; who signed in (and the key they
/// signed in with, which actions are made with) stays in this process's memory until sign-out or expiry.
/// </summary>
internal sealed class MemoryTicketStore(TimeProvider time) : ITicketStore
{
    private readonly ConcurrentDictionary<string, AuthenticationTicket> _tickets = new(StringComparer.Ordinal);

    public Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        _tickets[key] = ticket;
        RemoveExpired();
        return Task.FromResult(key);
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        _tickets[key] = ticket;
        return Task.CompletedTask;
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        if (_tickets.TryGetValue(key, out var ticket) && ticket.Properties.ExpiresUtc is { } expires && expires <= time.GetUtcNow())
        {
            _tickets.TryRemove(key, out _);
            ticket = null;
        }

        return Task.FromResult(ticket);
    }

    public Task RemoveAsync(string key)
    {
        _tickets.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    private void RemoveExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (key, ticket) in _tickets)
        {
            if (ticket.Properties.ExpiresUtc is { } expires && expires <= now)
            {
                _tickets.TryRemove(key, out _);
            }
        }
    }
}
