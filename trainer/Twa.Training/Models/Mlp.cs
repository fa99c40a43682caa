using Twa.Torch;

namespace Twa.Training.Models;

/// <summary>Fully connected ReLU network (default 784-200-200-10, the intrinsic-dimension anchor); names fc1..fcN.</summary>
public sealed class Mlp : Model
{
    private readonly int _layers;

    public Mlp(long[] inputShape, int numClasses, IReadOnlyList<long>? hidden = null, DType dtype = DType.Float32, Device? device = null)
        : this(Layout(inputShape, numClasses, hidden ?? [200, 200]), inputShape, numClasses, dtype, device ?? Device.Cpu)
    {
    }

    private Mlp((ModelLayout Layout, int Layers) l, long[] inputShape, int numClasses, DType dtype, Device device)
        : base("mlp", l.Layout, inputShape, numClasses, dtype, device) => _layers = l.Layers;

    private static (ModelLayout, int) Layout(long[] inputShape, int numClasses, IReadOnlyList<long> hidden)
    {
        var layout = new ModelLayout();
        var width = inputShape.Aggregate(1L, (a, b) => a * b);
        var sizes = hidden.Append(numClasses).ToArray();
        for (var i = 0; i < sizes.Length; i++)
        {
            layout.Linear($"fc{i + 1}", width, sizes[i]);
            width = sizes[i];
        }

        return (layout, sizes.Length);
    }

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var x = input.Flatten(1);
        for (var i = 1; i <= _layers; i++)
        {
            x = Linear(x, $"fc{i}");
            if (i < _layers)
            {
                x = x.Relu();
            }
        }

        return x;
    }
}
