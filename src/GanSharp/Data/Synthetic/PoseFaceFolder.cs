using System.Globalization;
using GanSharp.Imaging;
using static TorchSharp.torch;

namespace GanSharp.Data.Synthetic;

/// <summary>
/// A pose-labelled face folder as Multi-PIE-style data is usually arranged: <c>ROOT/&lt;identity&gt;/&lt;yaw&gt;/*.png</c>
/// (yaw a whole number of degrees, e.g. <c>-45</c>, <c>0</c>, <c>+30</c>) plus a landmarks CSV (default
/// <c>ROOT/landmarks.csv</c>) with the header <c>path,x0,y0,x1,y1,x2,y2,x3,y3,x4,y4</c>: the image's path relative to
/// ROOT with '/' separators, then the five landmarks of <see cref="HeadRenderer"/> (left eye, right eye, nose tip,
/// mouth corners) in the image's own pixels; an empty pair marks a landmark as not visible. Every image needs one
/// row and every row one image. Images are resized to size×size (landmarks scaled with them) and loaded into the
/// same fields as `heads`: label = identity (folder names in ordinal order), yaw, landmarks, landmark_visible and
/// frontal (the identity's first yaw-0 image, −1 when it has none).
/// </summary>
public static class PoseFaceFolder
{
    public const string DefaultLandmarksFile = "landmarks.csv";
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp"];

    public static TensorDataset Load(string root, int size, int channels = 3, string? landmarksCsv = null)
    {
        if (!Directory.Exists(root)) throw new DataException($"face folder {root} does not exist: pass a folder laid out as identity/yaw/*.png");
        if (channels is not (1 or 3)) throw new DataException($"{channels} channels are not supported for {root}: use 1 or 3");
        string csv = landmarksCsv ?? Path.Combine(root, DefaultLandmarksFile);
        if (!File.Exists(csv)) throw new DataException($"landmarks file {csv} does not exist: write one row per image (path,x0,y0,...,x4,y4) or pass its path");
        var rows = ReadLandmarks(csv);

        var identities = Directory.GetDirectories(root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var entries = new List<(string Rel, int Identity, int Yaw)>();
        for (int id = 0; id < identities.Count; id++)
            foreach (var poseDir in Directory.GetDirectories(Path.Combine(root, identities[id]!)).Order(StringComparer.Ordinal))
            {
                string pose = Path.GetFileName(poseDir);
                if (!int.TryParse(pose, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int yaw) || yaw is < -180 or > 180)
                    throw new DataException($"{poseDir}: pose folders are named by yaw in whole degrees (e.g. -45, 0, +30), not '{pose}'");
                foreach (var file in Directory.GetFiles(poseDir).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal))
                    entries.Add(($"{identities[id]}/{pose}/{Path.GetFileName(file)}", id, yaw));
            }
        if (entries.Count == 0) throw new DataException($"{root} holds no images under identity/yaw/ folders: lay it out as identity/yaw/*.png");

        var known = entries.Select(e => e.Rel).ToHashSet(StringComparer.Ordinal);
        foreach (var (rel, line) in rows.Select(kv => (kv.Key, kv.Value.Line)))
            if (!known.Contains(rel))
                throw new DataException($"landmarks file {csv} line {line} names {rel}, which is not an image under {root}/identity/yaw/: the landmarks do not match the images");
        foreach (var e in entries)
            if (!rows.ContainsKey(e.Rel))
                throw new DataException($"landmarks file {csv} has no row for {e.Rel}: the landmarks do not match the images (one row per image)");

        int n = entries.Count;
        var pixels = new byte[(long)n * channels * size * size];
        var lm = new float[n * 10];
        var vis = new float[n * 5];
        for (int i = 0; i < n; i++)
        {
            string path = Path.Combine(root, entries[i].Rel);
            var (px, w, h, _) = ImageFile.Load(path, channels);
            using (var scope = NewDisposeScope())
            {
                var img = tensor(px, [1, h, w, channels]).permute(0, 3, 1, 2).to_type(ScalarType.Float32);
                var resized = Resize.ResizeBilinear(img, size, size).round().clamp(0, 255).to_type(ScalarType.Byte).contiguous();
                resized.data<byte>().ToArray().CopyTo(pixels, (long)i * channels * size * size);
            }
            var row = rows[entries[i].Rel];
            for (int k = 0; k < 5; k++)
            {
                if (row.Points[k] is not { } p) continue;
                lm[i * 10 + 2 * k] = (float)(p.X * size / w);
                lm[i * 10 + 2 * k + 1] = (float)(p.Y * size / h);
                vis[i * 5 + k] = 1;
            }
        }
        var frontal = new long[n];
        for (int i = 0; i < n; i++)
        {
            int id = entries[i].Identity;
            frontal[i] = entries.FindIndex(e => e.Identity == id && e.Yaw == 0);
        }
        var fields = new Dictionary<string, Tensor>
        {
            [HeadFields.Yaw] = tensor(entries.Select(e => (float)e.Yaw).ToArray()),
            [HeadFields.Landmarks] = tensor(lm).reshape(n, 5, 2),
            [HeadFields.LandmarkVisible] = tensor(vis).reshape(n, 5),
            [HeadFields.Frontal] = tensor(frontal),
        };
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)));
        return new TensorDataset(name, tensor(pixels, [n, channels, size, size]), tensor(entries.Select(e => (long)e.Identity).ToArray()), identities.Count, fields);
    }

    private sealed record Row(int Line, (double X, double Y)?[] Points);

    private static Dictionary<string, Row> ReadLandmarks(string csv)
    {
        var lines = File.ReadAllLines(csv);
        const string header = "path,x0,y0,x1,y1,x2,y2,x3,y3,x4,y4";
        if (lines.Length == 0 || lines[0].Replace(" ", "") != header)
            throw new DataException($"landmarks file {csv} must start with the header '{header}'");
        var rows = new Dictionary<string, Row>(StringComparer.Ordinal);
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var cells = lines[i].Split(',');
            if (cells.Length != 11)
                throw new DataException($"landmarks file {csv} line {i + 1} has {cells.Length} columns, expected 11 ({header})");
            var points = new (double, double)?[5];
            for (int k = 0; k < 5; k++)
            {
                string sx = cells[1 + 2 * k].Trim(), sy = cells[2 + 2 * k].Trim();
                if (sx == "" && sy == "") continue;
                if (!double.TryParse(sx, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ||
                    !double.TryParse(sy, NumberStyles.Float, CultureInfo.InvariantCulture, out double y))
                    throw new DataException($"landmarks file {csv} line {i + 1}: landmark {k} is '{sx},{sy}', not two numbers (leave both empty for a hidden landmark)");
                points[k] = (x, y);
            }
            string rel = cells[0].Trim().Replace('\\', '/');
            if (!rows.TryAdd(rel, new Row(i + 1, points)))
                throw new DataException($"landmarks file {csv} line {i + 1} repeats {rel} (first on line {rows[rel].Line})");
        }
        return rows;
    }
}
