namespace Twa.Operator.Reconcile;

/// <summary>Label, annotation and finalizer names the operator puts on and reads from objects (OPERATOR.md 4.1, 3.5).</summary>
public static class TwaLabels
{
    public const string AppName = "app.kubernetes.io/name";
    public const string ManagedBy = "app.kubernetes.io/managed-by";
    public const string JobName = "twa.dev/job-name";
    public const string JobUid = "twa.dev/job-uid";
    public const string Role = "twa.dev/role";
    public const string Ordinal = "twa.dev/ordinal";
    public const string TemplateHash = "twa.dev/template-hash";

    /// <summary>Annotation with the content hash of an applied Service/ConfigMap.</summary>
    public const string SpecHash = "twa.dev/spec-hash";

    /// <summary>Finalizer that deletes the job's Redis keys before the TwaJob goes away.</summary>
    public const string RedisCleanupFinalizer = "twa.dev/redis-cleanup";

    /// <summary>Annotation <c>"true"</c>: remove the finalizer without cleaning Redis (Redis is gone for good).</summary>
    public const string SkipRedisCleanup = "twa.dev/skip-redis-cleanup";

    public const string WorkerRole = "worker";
    public const string WorkerAppName = "twa-worker";
    public const string FieldManager = "twa-operator";
}
