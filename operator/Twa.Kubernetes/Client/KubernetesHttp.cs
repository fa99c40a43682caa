using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Twa.Kubernetes.Configuration;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Serialization;

namespace Twa.Kubernetes.Client;

/// <summary>The request pipeline: TLS and auth, retries of 429/5xx with Retry-After, per-request metrics, error mapping.</summary>
internal sealed class KubernetesHttp : IDisposable
{
    private readonly HttpClient _http;
    private readonly KubernetesClientConfiguration _config;
    private readonly KubernetesClientOptions _options;
    private readonly KubernetesRequestMetrics _metrics;
    private readonly TimeProvider _time;

    public KubernetesHttp(KubernetesClientConfiguration config, KubernetesClientOptions options, KubernetesRequestMetrics metrics, HttpMessageHandler? handler, TimeProvider time)
    {
        _config = config;
        _options = options;
        _metrics = metrics;
        _time = time;
        _http = new HttpClient(handler ?? CreateHandler(config), disposeHandler: true)
        {
            BaseAddress = config.Server,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
    }

    public async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string pathAndQuery, string? body, string? contentType, string verb, string resource, bool stream, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, pathAndQuery);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (_config.Token is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.GetToken());
            }

            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
            }

            using var timeout = stream ? null : CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout?.CancelAfter(_options.RequestTimeout);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(
                    request,
                    stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead,
                    timeout?.Token ?? ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                _metrics.Record(verb, resource, 0);
                throw new TimeoutException($"{method} {pathAndQuery} got no response within {_options.RequestTimeout.TotalSeconds:0.#} s.", e);
            }
            catch (HttpRequestException)
            {
                _metrics.Record(verb, resource, 0);
                throw;
            }

            var code = (int)response.StatusCode;
            _metrics.Record(verb, resource, code);
            var retryAfter = RetryAfter(response);
            var retriable = code == 429 || (code >= 500 && retryAfter is not null);
            if (!retriable || attempt >= _options.MaxAttempts)
            {
                return response;
            }

            response.Dispose();
            var backoff = retryAfter ?? _options.InitialBackoff * Math.Pow(2, attempt - 1);
            await Task.Delay(backoff < _options.MaxRetryDelay ? backoff : _options.MaxRetryDelay, _time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Throws <see cref="KubernetesApiException"/> unless the response is a success; the response is disposed on failure.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, string method, string path, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            throw new KubernetesApiException(response.StatusCode, ParseStatus(text), method, path, RetryAfter(response));
        }
    }

    public static V1Status? ParseStatus(string text)
    {
        try
        {
            var status = JsonSerializer.Deserialize<V1Status>(text, KubernetesJson.Options);
            return status?.Kind == "Status" || status?.Code is not null ? status : null;
        }
        catch (JsonException)
        {
            return new V1Status { Message = text.Length > 512 ? text[..512] : text };
        }
    }

    public void Dispose() => _http.Dispose();

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? (date - DateTimeOffset.UtcNow) is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero : null;
    }

    private static SocketsHttpHandler CreateHandler(KubernetesClientConfiguration config)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.GZip,
        };
        if (config.ClientCertificate is { } cert)
        {
            handler.SslOptions.ClientCertificates = [cert];
        }

        var roots = config.CertificateAuthorities;
        if (config.SkipTlsVerify)
        {
#pragma warning disable CA5359 // insecure-skip-tls-verify is the kubeconfig owner's explicit choice (development clusters)
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (roots is { Count: > 0 })
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                ValidateAgainstRoots(certificate, errors, roots);
        }

        return handler;
    }

    private static bool ValidateAgainstRoots(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false; // no certificate, or a name mismatch: the CA bundle cannot excuse those
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
