using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;

namespace Twa.Kubernetes.LeaderElection;

/// <summary>
/// A coordination.k8s.io/v1 Lease as the lock (the csharp client's LeaseLock/MetaObjectLock): GET remembers the Lease,
/// UPDATE replaces it carrying the remembered resourceVersion, so a concurrent writer gets 409 and loses the round.
/// Needs RBAC get/create/update on leases in <see cref="Namespace"/>. Not thread-safe (one elector owns it).
/// </summary>
public sealed class LeaseLock : IResourceLock
{
    private readonly KubernetesClient _client;
    private V1Lease? _lease;

    /// <param name="client">The API client (not owned).</param>
    /// <param name="ns">The Lease's namespace (the operator's own).</param>
    /// <param name="name">The Lease name, e.g. <c>twa-operator</c>.</param>
    /// <param name="identity">This candidate's identity, e.g. the pod name.</param>
    public LeaseLock(KubernetesClient client, string ns, string name, string identity)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(ns);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(identity);
        _client = client;
        Namespace = ns;
        Name = name;
        Identity = identity;
    }

    public string Namespace { get; }

    public string Name { get; }

    /// <inheritdoc />
    public string Identity { get; }

    /// <inheritdoc />
    public async Task<LeaderElectionRecord?> GetAsync(CancellationToken ct)
    {
        _lease = await _client.TryGetAsync<V1Lease>(Name, Namespace, ct).ConfigureAwait(false);
        return _lease is null ? null : ToRecord(_lease.Spec);
    }

    /// <inheritdoc />
    public async Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            _lease = await _client.CreateAsync(new V1Lease { Metadata = { Name = Name, Namespace = Namespace }, Spec = ToSpec(record) }, ct).ConfigureAwait(false);
            return true;
        }
        catch (KubernetesApiException e) when (e.IsAlreadyExists || e.IsConflict)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_lease is null)
        {
            throw new InvalidOperationException($"{Describe()}: UpdateAsync needs a prior GetAsync or CreateAsync.");
        }

        var next = new V1Lease
        {
            Metadata = { Name = Name, Namespace = Namespace, ResourceVersion = _lease.Metadata.ResourceVersion },
            Spec = ToSpec(record),
        };
        try
        {
            _lease = await _client.ReplaceAsync(next, ct).ConfigureAwait(false);
            return true;
        }
        catch (KubernetesApiException e) when (e.IsConflict || e.IsNotFound)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public string Describe() => $"leases/{Namespace}/{Name}";

    private static LeaderElectionRecord ToRecord(V1LeaseSpec spec) =>
        new(spec.HolderIdentity ?? "", spec.LeaseDurationSeconds ?? 0, spec.AcquireTime, spec.RenewTime, spec.LeaseTransitions ?? 0);

    private static V1LeaseSpec ToSpec(LeaderElectionRecord r) => new()
    {
        HolderIdentity = r.HolderIdentity,
        LeaseDurationSeconds = r.LeaseDurationSeconds,
        AcquireTime = r.AcquireTime,
        RenewTime = r.RenewTime,
        LeaseTransitions = r.LeaderTransitions,
    };
}
