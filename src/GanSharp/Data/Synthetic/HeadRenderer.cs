using static TorchSharp.torch;

namespace GanSharp.Data.Synthetic;

/// <summary>Surface kinds the renderer reports per pixel (for tests and masks).</summary>
public enum HeadMaterial : byte { Background = 0, Skin = 1, Lips = 2, Nose = 3, Sclera = 4, Iris = 5, Pupil = 6, Hair = 7 }

/// <summary>What <see cref="HeadRenderer.Render"/> returns: RGB in [0, 1] (B×3×S×S) and the material per pixel (uint8 B×S×S).</summary>
public sealed record HeadRender(Tensor Images, Tensor Materials) : IDisposable
{
    public void Dispose() { Images.Dispose(); Materials.Dispose(); }
}

/// <summary>
/// A small 3D renderer for procedural heads: the head is a signed distance field (ellipsoids, spheres and capsules
/// joined by smooth unions), sphere-traced with orthographic rays, every pixel of every view in a batch at once
/// as torch tensor operations. Occlusion is real: a ray stops at the first surface, so at 90° yaw the far eye is
/// hidden behind the face. Lambert shading with one directional light and ambient.
///
/// Coordinates: head space has y up and the face looking along +z; a view at yaw θ turns the head by θ about y,
/// so positive yaw turns the face towards the image's right. The camera looks along −z at a window
/// <see cref="Extent"/> units wide centred at height <see cref="CentreY"/>. Image coordinates are pixels from the
/// top-left corner, x right and y down, pixel (row i, column j) covering [j, j+1)×[i, i+1).
/// Landmarks, in this order: 0 the eye on the image's left in the frontal view (head x &lt; 0), 1 the other eye,
/// 2 the nose tip, 3 and 4 the mouth corners (head x &lt; 0, then x &gt; 0).
/// </summary>
public static class HeadRenderer
{
    public const double Extent = 2.8;
    public const double CentreY = -0.03;
    private const double JawY = -0.45;
    public const int LandmarkCount = 5;
    private const double CamZ = 3.2;
    private const int MaxSteps = 96, StepsPerRound = 6;
    private const double Epsilon = 5e-4;

    /// <summary>Everything the distance field needs for a batch of B views: per-view constants as B×1 tensors.</summary>
    private sealed class Geometry : IDisposable
    {
        public Tensor BZ, HW, HH, HD, JW, JH, JD, JY, JZ, EX, EY, EA, ER, EZ, NX, NY, NZ, NW, NH, NL, MY, MW, MZ, EarX, EarY, EarR, HairL, HairS;
        public readonly Tensor Skin, Lips, Iris, Hair; // B×3×1
        private readonly List<Tensor> _all = new();

        private Geometry(Geometry g, Tensor rays)
        {
            // The shape constants of each ray's view, flat (R), for tracing a compacted set of rays.
            Tensor G(Tensor c) { var t = c.flatten().index_select(0, rays); _all.Add(t); return t; }
            HW = G(g.HW); HH = G(g.HH); HD = G(g.HD); JW = G(g.JW); JH = G(g.JH); JD = G(g.JD); JY = G(g.JY); JZ = G(g.JZ);
            EX = G(g.EX); EY = G(g.EY); EA = G(g.EA); ER = G(g.ER); EZ = G(g.EZ); NX = G(g.NX); NY = G(g.NY); NZ = G(g.NZ);
            NW = G(g.NW); NH = G(g.NH); NL = G(g.NL); MY = G(g.MY); MW = G(g.MW); MZ = G(g.MZ); EarX = G(g.EarX); EarY = G(g.EarY);
            EarR = G(g.EarR); HairL = G(g.HairL); HairS = G(g.HairS); BZ = G(g.BZ);
            Skin = Lips = Iris = Hair = g.Skin;
        }

        /// <summary>The constants for rays whose views are <paramref name="viewOfRay"/> (flat view indices).</summary>
        public Geometry ForRays(Tensor viewOfRay) => new(this, viewOfRay);

        public Geometry(IReadOnlyList<HeadIdentity> ids)
        {
            Tensor Col(Func<HeadIdentity, double> f) { var t = tensor(ids.Select(i => (float)f(i)).ToArray()).reshape(-1, 1); _all.Add(t); return t; }
            Tensor Rgb(Func<HeadIdentity, (double R, double G, double B)> f)
            {
                var t = tensor(ids.SelectMany(i => { var c = f(i); return new[] { (float)c.R, (float)c.G, (float)c.B }; }).ToArray()).reshape(-1, 3, 1);
                _all.Add(t);
                return t;
            }
            HW = Col(i => i.HeadWidth); HH = Col(i => i.HeadHeight); HD = Col(i => i.HeadDepth);
            JW = Col(i => i.JawWidth); JH = Col(i => i.JawHeight); JD = Col(i => 0.8 * i.HeadDepth); JY = Col(_ => JawY); JZ = Col(_ => 0.1);
            EX = Col(i => i.EyeSpacing); EY = Col(i => i.EyeHeight); EA = Col(i => i.Asymmetry); ER = Col(i => i.EyeSize);
            EZ = Col(i => FrontZ(i, i.EyeSpacing, i.EyeHeight) - 0.8 * i.EyeSize);
            NX = Col(i => i.Asymmetry / 2); NY = Col(_ => -0.2); NW = Col(i => i.NoseWidth); NH = Col(_ => 0.2); NL = Col(i => i.NoseLength);
            NZ = Col(i => FrontZ(i, 0, -0.2) - 0.03); BZ = Col(i => FrontZ(i, 0, i.EyeHeight));
            MY = Col(_ => -0.52); MW = Col(i => i.MouthWidth); MZ = Col(i => FrontZ(i, 0, -0.52));
            EarX = Col(i => 0.96 * i.HeadWidth); EarY = Col(i => i.EyeHeight - 0.12); EarR = Col(i => i.EarSize);
            HairL = Col(i => i.Hairline); HairS = Col(i => (i.Hairline + 0.35) / (2 * i.HeadDepth));
            Skin = Rgb(i => i.Skin); Lips = Rgb(i => (i.Skin.R * 0.8, i.Skin.G * 0.5, i.Skin.B * 0.5)); Iris = Rgb(i => i.Iris); Hair = Rgb(i => i.Hair);
        }

        /// <summary>The z of the front of the cranium ∪ jaw at (x, y), ignoring the smooth join (a placement guide).</summary>
        private static double FrontZ(HeadIdentity i, double x, double y)
        {
            double Ell(double cx, double cy, double cz, double rx, double ry, double rz)
            {
                double q = 1 - Math.Pow((x - cx) / rx, 2) - Math.Pow((y - cy) / ry, 2);
                return q <= 0 ? double.NegativeInfinity : cz + rz * Math.Sqrt(q);
            }
            return Math.Max(Ell(0, 0.15, 0, i.HeadWidth, i.HeadHeight, i.HeadDepth), Ell(0, JawY, 0.1, i.JawWidth, i.JawHeight, 0.8 * i.HeadDepth));
        }

        public void Dispose() { foreach (var t in _all) t.Dispose(); }
    }

    // ---- distance field pieces (all B×N tensors; sizes B×1 broadcast) ----

    private static Tensor Ellipsoid(Tensor x, Tensor y, Tensor z, Tensor cx, Tensor cy, Tensor cz, Tensor rx, Tensor ry, Tensor rz)
    {
        // Inigo Quilez's bound for an ellipsoid: k0 (k0 − 1) / k1, exact near the surface.
        var px = (x - cx) / rx; var py = (y - cy) / ry; var pz = (z - cz) / rz;
        var k0 = (px * px + py * py + pz * pz).sqrt();
        var k1 = (px * px / (rx * rx) + py * py / (ry * ry) + pz * pz / (rz * rz)).sqrt().clamp_min(1e-6);
        return k0 * (k0 - 1) / k1;
    }

    private static Tensor Sphere(Tensor x, Tensor y, Tensor z, Tensor cx, Tensor cy, Tensor cz, Tensor r) =>
        ((x - cx).square() + (y - cy).square() + (z - cz).square()).sqrt() - r;

    private static Tensor SmoothMin(Tensor a, Tensor b, double k)
    {
        var h = (0.5 + 0.5 * (b - a) / k).clamp(0, 1);
        return b + (a - b) * h - k * h * (1 - h);
    }

    private static Tensor SmoothSubtract(Tensor a, Tensor cut, double k) => -SmoothMin(-a, cut, k);

    /// <summary>The distance to the skin, the eyeballs and the hair at head-space points.</summary>
    private static (Tensor Skin, Tensor Eyes, Tensor Hair) Parts(Geometry g, Tensor x, Tensor y, Tensor z)
    {
        var ax = x.abs();                                   // paired features are mirrored through x = 0
        var side = x.sign();
        var eyeY = g.EY + g.EA * side * 0.5;                // asymmetry: one eye a little higher than the other
        var cranium = Ellipsoid(x, y, z, 0, 0.15, 0, g.HW, g.HH, g.HD);
        var jaw = Ellipsoid(x, y, z, 0, g.JY, g.JZ, g.JW, g.JH, g.JD);
        var skin = SmoothMin(cranium, jaw, 0.25);
        var neck = (ax.square() + (z + 0.2).square()).sqrt() - 0.36;
        neck = neck.maximum(y + 0.55);                      // a column under the jaw
        skin = SmoothMin(skin, neck, 0.15);
        var socket = Sphere(ax, y, z, g.EX, eyeY, g.EZ, g.ER * 1.12);
        skin = SmoothSubtract(skin, socket, 0.04);
        var nose = Ellipsoid(x, y, z, g.NX, g.NY, g.NZ, g.NW, g.NH, g.NL);
        skin = SmoothMin(skin, nose, 0.04);
        // The bridge: a ridge from between the eyes down to the tip.
        var bridge = Ellipsoid(x, y, z, g.NX, (g.EY + g.NY) * 0.5, (g.BZ + g.NZ + g.NL) * 0.5 - 0.04, 0.055, (g.EY - g.NY) * 0.6, 0.07);
        skin = SmoothMin(skin, bridge, 0.04);
        // Brow ridge over the eyes.
        var brow = Ellipsoid(ax, y, z, g.EX, g.EY + g.ER * 1.35, g.BZ - 0.04, g.ER * 1.6, 0.045, 0.09);
        skin = SmoothMin(skin, brow, 0.05);
        var lips = Ellipsoid(x, y, z, 0, g.MY, g.MZ - 0.05, g.MW * 1.05, 0.065, 0.1);
        skin = SmoothMin(skin, lips, 0.03);
        var slit = Ellipsoid(x, y, z, 0, g.MY, g.MZ - 0.05, g.MW, 0.012, 0.2);
        skin = SmoothSubtract(skin, slit, 0.01);
        var ear = Ellipsoid(ax, y, z, g.EarX, g.EarY, -0.05, 0.08, g.EarR, g.EarR * 0.6);
        skin = SmoothMin(skin, ear, 0.05);
        var eyes = Sphere(ax, y, z, g.EX, eyeY, g.EZ, g.ER);
        var shell = Ellipsoid(x, y, z, 0, 0.17, -0.03, g.HW + 0.06, g.HH + 0.06, g.HD + 0.04);
        var s = g.HairS;
        var above = -(y - g.HairL - (z - g.HD) * s) / (1 + s * s).sqrt();   // < 0 above the hairline plane
        var hair = shell.maximum(above);
        return (skin, eyes, hair);
    }

    private static Tensor Distance(Geometry g, Tensor x, Tensor y, Tensor z)
    {
        var (skin, eyes, hair) = Parts(g, x, y, z);
        return skin.minimum(eyes).minimum(hair);
    }

    /// <summary>Sphere-traces rays o + t·d (head space, B×N each); returns the hit points and whether each ray hit.</summary>
    private static (Tensor X, Tensor Y, Tensor Z, Tensor Hit) Trace(Geometry g, Tensor ox, Tensor oy, Tensor oz, Tensor dx, Tensor dy, Tensor dz)
    {
        // Rays are traced in rounds of a few steps; after each round only those not yet on a surface nor past the
        // head go on (most stop within 10–20 steps, so later rounds touch few rays).
        var shape = ox.shape;
        long b = shape[0], perView = ox.numel() / b;
        var view = arange(b).repeat_interleave(perView);
        Tensor Flat(Tensor v) => v.expand(shape).reshape(-1);
        var (fox, foy, foz, fdx, fdy, fdz) = (Flat(ox), Flat(oy), Flat(oz), Flat(dx), Flat(dy), Flat(dz));
        const double far = 2 * CamZ;
        var t = Flat(Entry(ox, oy, oz, dx, dz));
        var active = t.lt(far).nonzero().flatten();
        for (int done = 0; done < MaxSteps && active.numel() > 0; done += StepsPerRound)
        {
            using var scope = NewDisposeScope();
            using var ga = g.ForRays(view.index_select(0, active));
            var (ax, ay, az) = (fox.index_select(0, active), foy.index_select(0, active), foz.index_select(0, active));
            var (bx, by, bz) = (fdx.index_select(0, active), fdy.index_select(0, active), fdz.index_select(0, active));
            var ta = t.index_select(0, active);
            Tensor d = ta;
            for (int i = 0; i < StepsPerRound; i++)
            {
                d = Distance(ga, ax + ta * bx, ay + ta * by, az + ta * bz);
                // 0.85 of the bound: the smooth unions and ellipsoid bounds are not exact distances.
                ta = ta + (d * 0.85).where(ta.lt(far), zeros_like(d));
            }
            t.index_copy_(0, active, ta);
            var going = d.abs().gt(Epsilon).logical_and(ta.lt(far));
            active = active.masked_select(going).MoveToOuterDisposeScope();
        }
        var x = (fox + t * fdx).reshape(shape); var y = (foy + t * fdy).reshape(shape); var z = (foz + t * fdz).reshape(shape);
        var hit = Distance(g, x, y, z).abs().lt(0.01).logical_and(t.reshape(shape).lt(far));
        return (x, y, z, hit);
    }

    /// <summary>
    /// Where each ray enters the head's bounds (2·CamZ for rays that miss): a sphere round head and hair, and the
    /// neck's cylinder below the jaw. Rays are level in head space (yaw turns about y), so both are 2-D tests.
    /// </summary>
    private static Tensor Entry(Tensor ox, Tensor oy, Tensor oz, Tensor dx, Tensor dz)
    {
        Tensor Circle(Tensor px, Tensor pz, Tensor r2)
        {
            var b = px * dx + pz * dz;
            var disc = b * b - (px * px + pz * pz - r2);
            return (-b - disc.clamp_min(0).sqrt()).clamp_min(0).where(disc.gt(0), full_like(b, 2 * CamZ));
        }
        var head = Circle(ox, oz, (1.45 * 1.45 - (oy - 0.12).square()).expand_as(ox));
        var neck = Circle(ox, oz + 0.2, full_like(ox, 0.45 * 0.45)).where(oy.lt(-0.3), full_like(ox, 2 * CamZ));
        return head.minimum(neck);
    }

    /// <summary>Head-space rays for world points (wx, wy) seen at yaw θ (B×1 cos and sin).</summary>
    private static (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor) Rays(Tensor wx, Tensor wy, Tensor cos, Tensor sin)
    {
        // World to head: x_h = x_w cosθ − z_w sinθ, z_h = x_w sinθ + z_w cosθ; the ray runs along world −z.
        var ox = wx * cos - CamZ * sin;
        var oz = wx * sin + CamZ * cos;
        var dx = sin.expand_as(wx);
        var dz = (-cos).expand_as(wx);
        return (ox, wy.expand_as(wx), oz, dx, zeros_like(wx), dz);
    }

    /// <summary>
    /// Renders each identity at its yaw (degrees) and lighting, at <paramref name="size"/>×<paramref name="size"/>
    /// pixels, <paramref name="supersample"/>² rays per pixel averaged.
    /// </summary>
    public static HeadRender Render(IReadOnlyList<HeadIdentity> ids, IReadOnlyList<double> yawDegrees, IReadOnlyList<HeadLighting> lights, int size, int supersample = 1)
    {
        int b = ids.Count;
        if (yawDegrees.Count != b || lights.Count != b) throw new ArgumentException("one yaw and one lighting per identity");
        // Views go through in groups of about 8k rays: every operation then works on tensors that stay in the CPU
        // cache (one 64×64 view per group is 3–4× faster than 39 views at once, which spends its time on page faults).
        int per = Math.Max(1, RaysPerGroup / (size * supersample * size * supersample));
        if (b <= per) return RenderGroup(ids, yawDegrees, lights, size, supersample);
        using var scope = NewDisposeScope();
        var images = new List<Tensor>();
        var materials = new List<Tensor>();
        for (int i = 0; i < b; i += per)
        {
            int n = Math.Min(per, b - i);
            using var r = RenderGroup(ids.Skip(i).Take(n).ToList(), yawDegrees.Skip(i).Take(n).ToList(), lights.Skip(i).Take(n).ToList(), size, supersample);
            images.Add(r.Images.alias());
            materials.Add(r.Materials.alias());
        }
        return new HeadRender(cat(images, 0).MoveToOuterDisposeScope(), cat(materials, 0).MoveToOuterDisposeScope());
    }

    internal static int RaysPerGroup = 1 << 18;

    private static HeadRender RenderGroup(IReadOnlyList<HeadIdentity> ids, IReadOnlyList<double> yawDegrees, IReadOnlyList<HeadLighting> lights, int size, int supersample)
    {
        int b = ids.Count;
        using var scope = NewDisposeScope();
        using var g = new Geometry(ids);
        int s = size * supersample;
        var cos = tensor(yawDegrees.Select(a => (float)Math.Cos(a * Math.PI / 180)).ToArray()).reshape(b, 1);
        var sin = tensor(yawDegrees.Select(a => (float)Math.Sin(a * Math.PI / 180)).ToArray()).reshape(b, 1);
        var centres = (arange(s, dtype: ScalarType.Float32) + 0.5f) / s;               // s
        var wx = ((centres - 0.5) * Extent).reshape(1, 1, s).expand(b, s, s).reshape(b, s * s);
        var wy = ((0.5 - centres) * Extent + CentreY).reshape(1, s, 1).expand(b, s, s).reshape(b, s * s);
        var (ox, oy, oz, dx, dy, dz) = Rays(wx, wy, cos, sin);
        var (x, y, z, hit) = Trace(g, ox, oy, oz, dx, dy, dz);

        // Normals by the tetrahedron of finite differences.
        const double h = 1e-3;
        Tensor nx = zeros_like(x), ny = zeros_like(x), nz = zeros_like(x);
        foreach (var (kx, ky, kz) in new[] { (1, -1, -1), (-1, -1, 1), (-1, 1, -1), (1, 1, 1) })
        {
            var d = Distance(g, x + kx * h, y + ky * h, z + kz * h);
            nx = nx + kx * d; ny = ny + ky * d; nz = nz + kz * d;
        }
        var norm = (nx * nx + ny * ny + nz * nz).sqrt().clamp_min(1e-9);
        nx = nx / norm; ny = ny / norm; nz = nz / norm;

        // Materials: the nearest part, then the feature within it.
        var (dSkin, dEyes, dHair) = Parts(g, x, y, z);
        var eyeSide = x.sign();
        var eyeY = g.EY + g.EA * eyeSide * 0.5;
        var qx = (x.abs() - g.EX) / g.ER; var qy = (y - eyeY) / g.ER; var qz = (z - g.EZ) / g.ER;
        var rxy = (qx * qx + qy * qy).sqrt();
        var front = qz.gt(0);
        var isEye = dEyes.lt(dSkin).logical_and(dEyes.lt(dHair));
        var isHair = dHair.le(dSkin).logical_and(dHair.le(dEyes));
        var lipZone = ((x / (g.MW * 1.1)).square() + ((y - g.MY) / 0.075).square()).lt(1).logical_and(z.gt(0.3));
        var browZone = (((x.abs() - g.EX) / (g.ER * 1.5)).square() + ((y - eyeY - g.ER * 1.45) / 0.04).square()).lt(1).logical_and(z.gt(0.3));
        var noseZone = Ellipsoid(x, y, z, g.NX, g.NY, g.NZ, g.NW, g.NH, g.NL).lt(0.02);
        var mat = full_like(x, (int)HeadMaterial.Skin, dtype: ScalarType.Byte);
        mat = mat.masked_fill(noseZone, (byte)HeadMaterial.Nose);
        mat = mat.masked_fill(lipZone, (byte)HeadMaterial.Lips);
        var eyeMat = full_like(mat, (byte)HeadMaterial.Sclera)
            .masked_fill(front.logical_and(rxy.lt(0.62)), (byte)HeadMaterial.Iris)
            .masked_fill(front.logical_and(rxy.lt(0.28)), (byte)HeadMaterial.Pupil);
        mat = eyeMat.where(isEye, mat);
        mat = mat.masked_fill(isHair.logical_or(browZone.logical_and(isEye.logical_not())), (byte)HeadMaterial.Hair);
        mat = mat.masked_fill(hit.logical_not(), (byte)HeadMaterial.Background);

        // Albedo per material, B×3×N.
        Tensor Is(HeadMaterial m) => mat.eq((byte)m).unsqueeze(1);
        var skinC = g.Skin.expand(b, 3, s * s);
        var albedo = skinC;
        albedo = (skinC * tensor(new[] { 1.0f, 0.95f, 0.95f }).reshape(1, 3, 1)).where(Is(HeadMaterial.Nose), albedo);
        albedo = g.Lips.expand(b, 3, s * s).where(Is(HeadMaterial.Lips), albedo);
        albedo = full_like(albedo, 0.93).where(Is(HeadMaterial.Sclera), albedo);
        albedo = g.Iris.expand(b, 3, s * s).where(Is(HeadMaterial.Iris), albedo);
        albedo = full_like(albedo, 0.04).where(Is(HeadMaterial.Pupil), albedo);
        // Hair: a faint strand pattern along the head so it does not read as a helmet.
        var strands = 0.88 + 0.12 * (atan2(x.abs(), z) * 40).sin();                     // strands from the crown
        albedo = (g.Hair * strands.unsqueeze(1)).where(Is(HeadMaterial.Hair), albedo);

        // Light (world direction) turned into head space.
        var lw = lights.Select(l =>
        {
            double az = l.Azimuth * Math.PI / 180, el = l.Elevation * Math.PI / 180;
            return (X: Math.Cos(el) * Math.Sin(az), Y: Math.Sin(el), Z: Math.Cos(el) * Math.Cos(az));
        }).ToArray();
        var lx = tensor(lw.Select(v => (float)v.X).ToArray()).reshape(b, 1);
        var ly = tensor(lw.Select(v => (float)v.Y).ToArray()).reshape(b, 1);
        var lz = tensor(lw.Select(v => (float)v.Z).ToArray()).reshape(b, 1);
        var lhx = lx * cos - lz * sin;
        var lhz = lx * sin + lz * cos;
        var diffuse = (nx * lhx + ny * ly + nz * lhz).clamp_min(0);
        var amb = tensor(lights.Select(l => (float)l.Ambient).ToArray()).reshape(b, 1);
        var inten = tensor(lights.Select(l => (float)l.Intensity).ToArray()).reshape(b, 1);
        var shade = (amb + inten * diffuse).unsqueeze(1);                                  // B×1×N
        // A glint on the eyes: Blinn-Phong towards the camera.
        var hvx = lhx + sin; var hvy = ly; var hvz = lhz - (-cos);
        var hn = (hvx * hvx + hvy * hvy + hvz * hvz).sqrt().clamp_min(1e-6);
        var spec = ((nx * hvx + ny * hvy + nz * hvz) / hn).clamp_min(0).pow(40) * inten;
        var gloss = Is(HeadMaterial.Iris).logical_or(Is(HeadMaterial.Pupil)).logical_or(Is(HeadMaterial.Sclera)).to_type(ScalarType.Float32) * 0.6
                    + Is(HeadMaterial.Hair).to_type(ScalarType.Float32) * 0.15;
        var colour = albedo * shade + gloss * spec.unsqueeze(1);
        var bg = tensor(lights.Select(l => (float)l.Background).ToArray()).reshape(b, 1, 1);
        var bgGrad = bg * (0.9 + 0.2 * wy.unsqueeze(1).add(1.65).div(3.0)).clamp(0, 1);       // lighter towards the top
        colour = colour.where(hit.unsqueeze(1), bgGrad.expand_as(colour)).clamp(0, 1);

        var images = colour.reshape(b, 3, s, s);
        var materials = mat.reshape(b, s, s);
        if (supersample > 1)
        {
            images = nn.functional.avg_pool2d(images, supersample);
            materials = materials.reshape(b, size, supersample, size, supersample).select(4, supersample / 2).select(2, supersample / 2).contiguous();
        }
        return new HeadRender(images.MoveToOuterDisposeScope(), materials.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The five landmarks (see the type's comment) on the surface in head space, B×5×3: found by tracing frontal
    /// rays through their design positions (eye centres, nose, mouth ends), so each lies on the drawn surface.
    /// </summary>
    public static Tensor Landmarks3D(IReadOnlyList<HeadIdentity> ids)
    {
        int b = ids.Count;
        using var scope = NewDisposeScope();
        using var g = new Geometry(ids);
        float[] xs = ids.SelectMany(i => new[] { -i.EyeSpacing, i.EyeSpacing, i.Asymmetry / 2, -0.97 * i.MouthWidth, 0.97 * i.MouthWidth }.Select(v => (float)v)).ToArray();
        float[] ys = ids.SelectMany(i => new[] { i.EyeHeight - i.Asymmetry / 2, i.EyeHeight + i.Asymmetry / 2, -0.2, -0.52, -0.52 }.Select(v => (float)v)).ToArray();
        var wx = tensor(xs).reshape(b, LandmarkCount);
        var wy = tensor(ys).reshape(b, LandmarkCount);
        var one = ones(b, 1); var zero = zeros(b, 1);
        var (ox, oy, oz, dx, dy, dz) = Rays(wx, wy, one, zero);
        var (x, y, z, _) = Trace(g, ox, oy, oz, dx, dy, dz);
        return stack([x, y, z], 2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Projects head-space landmarks (B×5×3) into views at the given yaws: pixel positions B×5×2 (x, y) and a
    /// visibility flag B×5 (1 when the ray through the landmark's pixel position reaches the landmark first, 0 when
    /// something nearer hides it).
    /// </summary>
    public static (Tensor Pixels, Tensor Visible) Project(IReadOnlyList<HeadIdentity> ids, Tensor landmarks3D, IReadOnlyList<double> yawDegrees, int size)
    {
        int b = ids.Count;
        using var scope = NewDisposeScope();
        using var g = new Geometry(ids);
        var cos = tensor(yawDegrees.Select(a => (float)Math.Cos(a * Math.PI / 180)).ToArray()).reshape(b, 1);
        var sin = tensor(yawDegrees.Select(a => (float)Math.Sin(a * Math.PI / 180)).ToArray()).reshape(b, 1);
        var hx = landmarks3D.select(2, 0); var hy = landmarks3D.select(2, 1); var hz = landmarks3D.select(2, 2);
        var wx = hx * cos + hz * sin;                               // head to world
        var wy = hy;
        var px = (wx / Extent + 0.5) * size;
        var py = (0.5 - (wy - CentreY) / Extent) * size;
        var (ox, oy, oz, dx, dy, dz) = Rays(wx, wy, cos, sin);
        var (x, y, z, hit) = Trace(g, ox, oy, oz, dx, dy, dz);
        var miss = ((x - hx).square() + (y - hy).square() + (z - hz).square()).sqrt();
        var visible = hit.logical_and(miss.lt(0.03)).to_type(ScalarType.Float32);
        return (stack([px, py], 2).MoveToOuterDisposeScope(), visible.MoveToOuterDisposeScope());
    }
}
