using System.Globalization;
using Twa.Jobs;

namespace Twa.Training.Data;

/// <summary>Loads the datasets a job names (<see cref="DataSpec"/>): IDX (Fashion-MNIST / MNIST file names,
/// plain or .gz) and CIFAR-10/100 binary. Every failure is a <see cref="DatasetException"/> naming the path and
/// what was expected.</summary>
public static class DatasetCatalog
{
    /// <summary>Loads train and test, holds out <see cref="DataSpec.HoldoutFraction"/> of train with a permutation
    /// drawn from <paramref name="seed"/>, and computes the normalisation statistics on what remains.</summary>
    public static DatasetSplits Load(DataSpec data, int numClasses, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!Directory.Exists(data.Path))
        {
            throw new DatasetException(
                $"{data.Path}: dataset directory not found (spec.training.data.path); for Fashion-MNIST install the Debian package dataset-fashion-mnist (`make deps`) or point the path at a directory with the IDX files");
        }

        var (train, test) = data.Format switch
        {
            DataFormat.Idx => (LoadIdx(data.Path, "train", numClasses), LoadIdx(data.Path, "t10k", numClasses)),
            DataFormat.Cifar => LoadCifar(data.Path, numClasses),
            _ => throw new DatasetException($"unknown data format {data.Format}"),
        };

        var holdoutCount = HoldoutCount(data, train.Count);
        var order = SplitMix64.For(seed, 0x401D).Permutation(train.Count);
        var holdout = train.Subset(order[..holdoutCount].Order().ToArray());
        var remaining = holdoutCount == 0 ? train : train.Subset(order[holdoutCount..].Order().ToArray());
        var (mean, std) = remaining.ChannelStatistics();
        return new DatasetSplits(remaining, holdout, test, mean, std);
    }

    /// <summary>The images <see cref="DataSpec.HoldoutFraction"/> holds out of <paramref name="count"/> (rounded); a
    /// fraction above 0 must hold out at least one image and leave at least one to train on.</summary>
    /// <exception cref="DatasetException">A side would be empty; the message names the field, the counts and the fix.</exception>
    private static int HoldoutCount(DataSpec data, int count)
    {
        var fraction = data.HoldoutFraction;
        var held = (int)Math.Round(fraction * count);
        if (fraction <= 0 || (held >= 1 && held < count))
        {
            return held;
        }

        var inv = CultureInfo.InvariantCulture;
        var field = string.Create(inv, $"{data.Path}: spec.training.data.holdoutFraction = {fraction} holds out {held} of the {count} training images");
        if (count < 2)
        {
            throw new DatasetException($"{field}; a held-out split needs at least 2 training images: use 0 for no held-out split");
        }

        // Fractions rounded to 6 decimals, up or down, so that they still give 1 held-out image or 1 training image.
        throw held < 1
            ? new DatasetException(string.Create(inv, $"{field}; use at least {Math.Ceiling(1e6 / count) / 1e6:0.######} (1 image), or 0 for no held-out split"))
            : new DatasetException(string.Create(inv,
                $"{field} and leaves none to train on; use at most {Math.Floor(1e6 * (count - 1) / count) / 1e6:0.######} ({count - 1} images)"));
    }

    /// <summary>IDX images <c>{prefix}-images-idx3-ubyte[.gz]</c> and labels <c>{prefix}-labels-idx1-ubyte[.gz]</c>.</summary>
    public static ImageSet LoadIdx(string directory, string prefix, int numClasses)
    {
        var imagesPath = Find(directory, $"{prefix}-images-idx3-ubyte");
        var labelsPath = Find(directory, $"{prefix}-labels-idx1-ubyte");
        var (imageShape, pixels) = IdxFile.Read(imagesPath);
        var (labelShape, labelBytes) = IdxFile.Read(labelsPath);
        if (imageShape.Length != 3)
        {
            throw new DatasetException($"{imagesPath}: expected 3 dimensions (count, rows, columns), found {imageShape.Length}");
        }

        if (labelShape.Length != 1 || labelShape[0] != imageShape[0])
        {
            throw new DatasetException($"{labelsPath}: expected {imageShape[0]} labels to match {imagesPath}, found {string.Join("x", labelShape)}");
        }

        var labels = labelBytes.Select(b => (long)b).ToArray();
        var bad = labels.FirstOrDefault(l => l >= numClasses, -1);
        if (bad >= 0)
        {
            throw new DatasetException($"{labelsPath}: label {bad} is not below model.numClasses = {numClasses}");
        }

        return new ImageSet(pixels, labels, 1, imageShape[1], imageShape[2], numClasses);
    }

    private static string Find(string directory, string name)
    {
        foreach (var candidate in new[] { name, name + ".gz" })
        {
            var path = Path.Combine(directory, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new DatasetException($"{Path.Combine(directory, name)}[.gz]: file not found; an IDX dataset directory needs train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (optionally .gz)");
    }

    /// <summary>CIFAR-10 (<c>data_batch_1..5.bin</c>, <c>test_batch.bin</c>; 1 label byte per record) or CIFAR-100
    /// (<c>train.bin</c>, <c>test.bin</c>; coarse and fine label bytes, the fine label is used), 3x32x32 pixels.</summary>
    public static (ImageSet Train, ImageSet Test) LoadCifar(string directory, int numClasses)
    {
        var cifar10 = Path.Combine(directory, "data_batch_1.bin");
        if (File.Exists(cifar10))
        {
            var trainFiles = Enumerable.Range(1, 5).Select(i => Path.Combine(directory, $"data_batch_{i}.bin")).ToArray();
            return (ReadCifar(trainFiles, 1, numClasses), ReadCifar([Path.Combine(directory, "test_batch.bin")], 1, numClasses));
        }

        var cifar100 = Path.Combine(directory, "train.bin");
        if (File.Exists(cifar100))
        {
            return (ReadCifar([cifar100], 2, numClasses), ReadCifar([Path.Combine(directory, "test.bin")], 2, numClasses));
        }

        throw new DatasetException($"{directory}: no CIFAR binary files found; expected data_batch_1..5.bin + test_batch.bin (CIFAR-10) or train.bin + test.bin (CIFAR-100)");
    }

    private static ImageSet ReadCifar(IReadOnlyList<string> files, int labelBytes, int numClasses)
    {
        const int imageBytes = 3 * 32 * 32;
        var record = labelBytes + imageBytes;
        var pixels = new List<byte>();
        var labels = new List<long>();
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                throw new DatasetException($"{file}: file not found");
            }

            var bytes = File.ReadAllBytes(file);
            if (bytes.Length == 0 || bytes.Length % record != 0)
            {
                throw new DatasetException($"{file}: {bytes.Length} bytes is not a whole number of {record}-byte CIFAR records; the file is truncated or not CIFAR binary");
            }

            for (var offset = 0; offset < bytes.Length; offset += record)
            {
                var label = bytes[offset + labelBytes - 1];
                if (label >= numClasses)
                {
                    throw new DatasetException($"{file}: label {label} at record {offset / record} is not below model.numClasses = {numClasses}");
                }

                labels.Add(label);
                pixels.AddRange(bytes.AsSpan(offset + labelBytes, imageBytes));
            }
        }

        return new ImageSet(pixels.ToArray(), labels.ToArray(), 3, 32, 32, numClasses);
    }
}
