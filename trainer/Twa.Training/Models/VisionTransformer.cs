using Twa.Torch;
using Twa.Torch.Nn;

namespace Twa.Training.Models;

/// <summary>A small ViT: non-overlapping patch embedding (conv p×p stride p), class token, learned position
/// embedding, pre-norm blocks (LN → multi-head self-attention → residual, LN → GELU MLP → residual), final LN,
/// linear head on the class token. Names follow timm (patch_embed.proj, blocks.i.attn.qkv, ...).</summary>
public sealed class VisionTransformer : Model
{
    private readonly int _depth;
    private readonly int _heads;
    private readonly long _patch;
    private readonly long _dim;

    public VisionTransformer(long[] inputShape, int numClasses, long patch = 4, long dim = 64, int depth = 4, int heads = 4,
        long mlpDim = 128, DType dtype = DType.Float32, Device? device = null)
        : base("vit", Layout(inputShape, numClasses, patch, dim, depth, heads, mlpDim), inputShape, numClasses, dtype, device ?? Device.Cpu)
    {
        (_depth, _heads, _patch, _dim) = (depth, heads, patch, dim);
    }

    private static ModelLayout Layout(long[] inputShape, int numClasses, long patch, long dim, int depth, int heads, long mlpDim)
    {
        if (inputShape[1] % patch != 0 || inputShape[2] % patch != 0)
        {
            throw new ArgumentException($"vit patch size {patch} must divide the image size {inputShape[1]}x{inputShape[2]}");
        }

        if (dim % heads != 0)
        {
            throw new ArgumentException($"vit width {dim} must be divisible by the number of heads {heads}");
        }

        var tokens = inputShape[1] / patch * (inputShape[2] / patch) + 1;
        var layout = new ModelLayout();
        layout.Conv("patch_embed.proj", inputShape[0], dim, patch, bias: true);
        layout.Parameter("cls_token", [1, 1, dim], new ParameterInit(InitKind.TruncatedNormal));
        layout.Parameter("pos_embed", [1, tokens, dim], new ParameterInit(InitKind.TruncatedNormal));
        for (var i = 0; i < depth; i++)
        {
            var b = $"blocks.{i}";
            layout.LayerNorm($"{b}.norm1", dim);
            layout.Linear($"{b}.attn.qkv", dim, 3 * dim, InitKind.TruncatedNormal, InitKind.Zeros);
            layout.Linear($"{b}.attn.proj", dim, dim, InitKind.TruncatedNormal, InitKind.Zeros);
            layout.LayerNorm($"{b}.norm2", dim);
            layout.Linear($"{b}.mlp.fc1", dim, mlpDim, InitKind.TruncatedNormal, InitKind.Zeros);
            layout.Linear($"{b}.mlp.fc2", mlpDim, dim, InitKind.TruncatedNormal, InitKind.Zeros);
            layout.Block(b, skippable: true);
        }

        layout.LayerNorm("norm", dim);
        layout.Linear("head", dim, numClasses, InitKind.TruncatedNormal, InitKind.Zeros);
        return layout;
    }

    public override Tensor Forward(Tensor input)
    {
        var batch = input.Size(0);
        var x = Functional.Conv2d(input, P("patch_embed.proj.weight"), P("patch_embed.proj.bias"), new Conv2dOptions { Stride = _patch })
            .Flatten(2).Transpose(1, 2);
        x = Tensors.Cat([P("cls_token").Expand(batch, 1, _dim), x], 1).Add(P("pos_embed"));
        for (var i = 0; i < _depth; i++)
        {
            var b = $"blocks.{i}";
            // The block's residual contribution: attn(LN1(h)) + mlp(LN2(h + attn)); Residual adds h back.
            x = Residual(i, x, h =>
            {
                var attn = Attention(LayerNorm(h, $"{b}.norm1"), b);
                var mlp = Linear(Linear(LayerNorm(h.Add(attn), $"{b}.norm2"), $"{b}.mlp.fc1").Gelu(), $"{b}.mlp.fc2");
                return attn.Add(mlp);
            });
        }

        return Linear(LayerNorm(x, "norm").Select(1, 0), "head");
    }

    private Tensor Attention(Tensor x, string block)
    {
        var (b, n) = (x.Size(0), x.Size(1));
        var headDim = _dim / _heads;
        var qkv = Linear(x, $"{block}.attn.qkv").Reshape(b, n, 3, _heads, headDim).Permute(2, 0, 3, 1, 4);
        var attended = Functional.ScaledDotProductAttention(qkv.Select(0, 0), qkv.Select(0, 1), qkv.Select(0, 2));
        return Linear(attended.Transpose(1, 2).Reshape(b, n, _dim), $"{block}.attn.proj");
    }
}
