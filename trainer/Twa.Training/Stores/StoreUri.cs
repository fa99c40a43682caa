using System.Globalization;

namespace Twa.Training.Stores;

/// <summary>
/// Parses the store argument of `twa train --store` and TWA_STORE: <c>redis://[[user]:password@]host[:port][,host:port...][/db]</c>,
/// <c>rediss://...</c> (TLS), or anything without a scheme = a local directory path. Port defaults to 6379,
/// db to 0; user and password are percent-decoded. Thread-safe (stateless).
/// </summary>
public static class StoreUri
{
    public const int DefaultRedisPort = 6379;

    /// <exception cref="FormatException">The text is not a valid store; the message names the part and the fix.</exception>
    public static StoreLocation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new FormatException("the store is empty; give a directory or redis://host:port/db");
        }

        var scheme = trimmed.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return new StoreLocation { Directory = Path.GetFullPath(trimmed) };
        }

        var name = trimmed[..scheme].ToLowerInvariant();
        if (name is not ("redis" or "rediss"))
        {
            throw new FormatException($"store '{Redact(trimmed)}': unsupported scheme '{name}://'; use redis://, rediss:// (TLS) or a directory path");
        }

        var rest = trimmed[(scheme + 3)..];
        string? user = null, password = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var credentials = rest[..at];
            rest = rest[(at + 1)..];
            var colon = credentials.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new FormatException($"store '{Redact(trimmed)}': credentials must be ':password@' or 'user:password@'");
            }

            user = colon == 0 ? null : Uri.UnescapeDataString(credentials[..colon]);
            password = Uri.UnescapeDataString(credentials[(colon + 1)..]);
        }

        var db = 0;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var dbText = rest[(slash + 1)..].TrimEnd('/');
            rest = rest[..slash];
            if (dbText.Length > 0 && (!int.TryParse(dbText, NumberStyles.None, CultureInfo.InvariantCulture, out db) || db > 15))
            {
                throw new FormatException($"store '{Redact(trimmed)}': database '{dbText}' must be a number 0-15 (e.g. redis://host:6379/0)");
            }
        }

        var endpoints = rest.Split(',').Select(e => Endpoint(trimmed, e.Trim())).ToArray();
        return new StoreLocation
        {
            Redis = new RedisStoreOptions { Endpoints = endpoints, User = user, Password = password, Tls = name == "rediss", Database = db },
        };
    }

    private static string Endpoint(string uri, string endpoint)
    {
        if (endpoint.Length == 0)
        {
            throw new FormatException($"store '{Redact(uri)}': the host is missing (e.g. redis://redis.default.svc:6379/0)");
        }

        string host;
        string? portText = null;
        if (endpoint.StartsWith('['))
        {
            var close = endpoint.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"store '{Redact(uri)}': '{endpoint}' opens an IPv6 address with '[' but never closes it");
            }

            host = endpoint[..(close + 1)];
            var after = endpoint[(close + 1)..];
            if (after.Length > 0)
            {
                portText = after.StartsWith(':') ? after[1..] : throw new FormatException($"store '{Redact(uri)}': unexpected '{after}' after the IPv6 address");
            }
        }
        else
        {
            var colon = endpoint.LastIndexOf(':');
            host = colon < 0 ? endpoint : endpoint[..colon];
            portText = colon < 0 ? null : endpoint[(colon + 1)..];
        }

        if (host.Length == 0 || host.Any(char.IsWhiteSpace))
        {
            throw new FormatException($"store '{Redact(uri)}': '{endpoint}' has no valid host");
        }

        var port = DefaultRedisPort;
        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new FormatException($"store '{Redact(uri)}': port '{portText}' must be a number 1-65535");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
    }

    /// <summary>The URI with any password replaced by "***", for messages.</summary>
    public static string Redact(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var scheme = uri.IndexOf("://", StringComparison.Ordinal);
        var at = uri.LastIndexOf('@');
        if (scheme < 0 || at < scheme)
        {
            return uri;
        }

        var credentials = uri[(scheme + 3)..at];
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? uri : $"{uri[..(scheme + 3)]}{credentials[..colon]}:***{uri[at..]}";
    }
}
