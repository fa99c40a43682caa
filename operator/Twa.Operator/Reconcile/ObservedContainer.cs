namespace Twa.Operator.Reconcile;

/// <summary>One entry of a pod's <c>status.containerStatuses</c> as the reconciler needs it.</summary>
/// <param name="Name">Container name.</param>
/// <param name="Started"><c>started</c>: the startup probe passed (for the trainer: its agent is up, i.e. standby).</param>
/// <param name="Terminated"><c>state.terminated</c>, when the container has exited.</param>
public sealed record ObservedContainer(string Name, bool Started, ContainerTermination? Terminated = null);
