using System.Text.Json.Nodes;
using GanSharp.Data;
using GanSharp.Data.Synthetic;
using GanSharp.Families.Synthetic;
using GanSharp.Imaging;
using GanSharp.Runs;
using GanSharp.Training;
using Xunit;
using static TorchSharp.torch;

namespace GanSharp.Tests.Families.Synthetic;

public sealed class TpGanFamilyTests
{
    public TpGanFamilyTests() => set_num_threads(1);

    /// <summary>
    /// Hand-made faces (no rendering): 3 identities × 3 views (yaw −45, 0, 45) of random 64×64 pixels, landmarks
    /// around the usual places, each view's frontal index pointing at its identity's yaw-0 view.
    /// </summary>
    static TensorDataset Faces(int identities = 3)
    {
        using var g = new Generator(11);
        int n = identities * 3;
        var pixels = randint(0, 256, new long[] { n, 3, 64, 64 }, generator: g).to_type(ScalarType.Byte);
        var labels = arange(identities, dtype: ScalarType.Int64).repeat_interleave(3);
        var yaw = tensor(Enumerable.Repeat(new float[] { -45, 0, 45 }, identities).SelectMany(y => y).ToArray());
        var baseLm = tensor(new float[] { 22, 26, 42, 26, 32, 36, 25, 46, 39, 46 }).reshape(1, 5, 2);
        var lm = baseLm + rand(new long[] { n, 5, 2 }, generator: g).mul(4).sub(2);
        var frontal = labels * 3 + 1;
        return new TensorDataset("faces", pixels, labels, identities, new Dictionary<string, Tensor>
        {
            [HeadFields.Yaw] = yaw, [HeadFields.Landmarks] = lm, [HeadFields.Frontal] = frontal,
            [HeadFields.LandmarkVisible] = ones(n, 5),
        });
    }

    static GanOptions Options(string identityNet, int steps = 4)
    {
        var o = new GanOptions
        {
            Model = TpGanFamily.ModelName, Data = "faces", Size = 64, Steps = steps, Batch = 4, WidthG = 4, WidthD = 4,
            Threads = 1, LogEvery = 1, SampleEvery = 2, CheckpointEvery = 1000, SampleCount = 4, Seed = 3,
        };
        o.Set("local-width", 2);
        o.Set("identity-net", identityNet);
        return o;
    }

    /// <summary>An untrained identity network saved to a file (the loss needs any fixed network).</summary>
    static string IdentityFile(string dir)
    {
        manual_seed(5);
        using var net = new IdentityNet(64, 3, 2, 3, embedding: 8);
        string path = Path.Combine(dir, "id.ckpt");
        FaceNets.Save(net, path);
        return path;
    }

    static (TensorDataset Train, TensorDataset Held) Pairs()
    {
        using var faces = Faces();
        var train = TpGanFamily.Pairs(faces);
        var held = TpGanFamily.Pairs(faces);   // the grid shows training views in the family too
        return (train, held);
    }

    [Fact]
    public void PairsPutEachViewBesideItsFrontalViewAndLandmarks()
    {
        using var faces = Faces();
        using var pairs = TpGanFamily.Pairs(faces);
        Assert.Equal(new[] { "image", "source", "landmarks", "frontal_landmarks" }, pairs.Fields);
        Assert.True(pairs.ExtraFields[BatchFields.Source].equal(faces.Data).all().item<bool>());
        for (int i = 0; i < 9; i++)
        {
            int f = i / 3 * 3 + 1;
            Assert.True(pairs.Data[i].equal(faces.Data[f]).all().item<bool>());
            Assert.True(pairs.ExtraFields[TpGanFamily.FrontalLandmarks][i].equal(faces.ExtraFields[HeadFields.Landmarks][f]).all().item<bool>());
        }
        using var bare = new TensorDataset("bare", faces.Data.clone());
        var e = Assert.Throws<DataException>(() => TpGanFamily.Pairs(bare));
        Assert.Equal("'bare' has no 'frontal' field: tpgan needs faces with landmarks and the index of each identity's frontal view", e.Message);
    }

    [Fact]
    public void PackedInputsRoundTripAndGiveTheSameImage()
    {
        manual_seed(1);
        using var g = new TwoPathwayGenerator(64, 3, 4, 2);
        g.eval();
        var x = rand(2, 3, 64, 64).mul(2).sub(1);
        var a = tensor(new float[] { 22, 26, 42, 26, 32, 36, 25, 46, 39, 46 }).reshape(1, 5, 2).expand(2, 5, 2).contiguous();
        var b = a + 1;
        var packed = TwoPathwayGenerator.Pack(x, a, b);
        Assert.Equal(new long[] { 2, 3 * 64 * 64 + 20 }, packed.shape);
        var (x2, a2, b2) = g.Unpack(packed);
        Assert.True(x2.equal(x).all().item<bool>() && a2.equal(a).all().item<bool>() && b2.equal(b).all().item<bool>());
        Assert.True(g.forward(packed).equal(g.Forward(x, a, b).Image).all().item<bool>());
        var e = Assert.Throws<ArgumentException>(() => g.Unpack(zeros(2, 10)));
        Assert.Equal("a packed TP-GAN input is B×12308 (a 3×64×64 profile and two sets of 5 landmarks), got [2×10]", e.Message);

        // Without local pathways: no local parameters, and the output does not depend on the landmarks.
        using var global = new TwoPathwayGenerator(64, 3, 4, 2, local: false);
        global.eval();
        Assert.True(global.parameters().Count() < g.parameters().Count());
        Assert.True(global.Forward(x, a, b).Image.equal(global.Forward(x, b, a).Image).all().item<bool>());
        Assert.False(g.Forward(x, a, b).Image.equal(g.Forward(x, b, a).Image).all().item<bool>());
    }

    [Fact]
    public void GeneratorLossIsThePapersWeightedSumAndEachTermIsLogged()
    {
        using var tmp = new TestUtil.TempDir();
        var (train, held) = Pairs();
        using var _t = train;
        using var _h = held;
        using (var run = TrainingRun.Create(Options(IdentityFile(tmp.Path), steps: 2), train, tmp.Path, "r", heldOut: held)) Assert.True(run.Run());
        var lines = File.ReadAllLines(Path.Combine(tmp.Path, "r", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(2, lines.Count);
        foreach (var l in lines)
        {
            double V(string k) => l[k]!.GetValue<double>();
            foreach (var k in new[] { "loss_d", "d_real", "d_fake", "loss_pixel", "loss_sym", "loss_adv", "loss_ip", "loss_tv" }) Assert.True(l.ContainsKey(k), k);
            double expected = V("loss_pixel") + 0.3 * V("loss_sym") + 1e-3 * V("loss_adv") + 3e-3 * V("loss_ip") + 1e-4 * V("loss_tv");
            Assert.Equal(expected, V("loss_g"), 1e-5 * expected);
        }
        // The grid: each held-out view, its output and its truth (3 columns of 64 px, 2 px padding).
        var (_, w, h, _) = ImageFile.Load(Path.Combine(tmp.Path, "r", "samples", "step-000002.png"));
        Assert.Equal(3 * 66 + 2, w);
        Assert.Equal(4 * 66 + 2, h);
    }

    [Fact]
    public void AblationsDropTheirPartsAndTheIdentityAblationNeedsNoNetwork()
    {
        using var tmp = new TestUtil.TempDir();
        var id = IdentityFile(tmp.Path);
        var o = Options(id);
        o.Set("no-symmetry", true);
        using (var s = (TpGanSystem)new TpGanFamily().Create(o, new long[] { 3, 64, 64 }, 0))
        {
            Assert.Equal(0, s.Weights.Symmetry);
            Assert.NotNull(s.Identity);
            Assert.False(s.Networks.Single(n => n.Name == "identity").Trainable);
        }
        o = Options("");
        o.Set("no-identity", true);
        o.Set("no-local", true);
        using (var s = (TpGanSystem)new TpGanFamily().Create(o, new long[] { 3, 64, 64 }, 0))
        {
            Assert.Null(s.Identity);
            Assert.Equal(0, s.Weights.Identity);
            Assert.False(s.Generator.HasLocalPathways);
            Assert.Equal(new[] { "G", "D" }, s.Networks.Select(n => n.Name));
        }
        var (train, held) = Pairs();
        using var _t = train;
        using var _h = held;
        using (var run = TrainingRun.Create(o, train, tmp.Path, "ab", heldOut: held)) Assert.True(run.Run());
        var l = JsonNode.Parse(File.ReadAllLines(Path.Combine(tmp.Path, "ab", "metrics.jsonl"))[0])!.AsObject();
        Assert.False(l.ContainsKey("loss_ip"));
        double V(string k) => l[k]!.GetValue<double>();
        Assert.Equal(V("loss_pixel") + 0.3 * V("loss_sym") + 1e-3 * V("loss_adv") + 1e-4 * V("loss_tv"), V("loss_g"), 1e-5 * V("loss_g"));
    }

    [Fact]
    public void ResumesBitForBitWithTheTemplateInTheCheckpoint()
    {
        using var tmp = new TestUtil.TempDir();
        var id = IdentityFile(tmp.Path);
        var (train, held) = Pairs();
        using var _t = train;
        using var _h = held;
        using (var full = TrainingRun.Create(Options(id), train, tmp.Path, "full", heldOut: held)) Assert.True(full.Run());
        using (var part = TrainingRun.Create(Options(id), train, tmp.Path, "part", heldOut: held))
        {
            using var cts = new CancellationTokenSource();
            part.Trainer.Observers.Add(new TestUtil.CancelAt(2, cts));
            Assert.False(part.Run(cts.Token));
        }
        using (var resumed = TrainingRun.Resume(Path.Combine(tmp.Path, "part"), train, heldOut: held))
        {
            Assert.Equal(2, resumed.Trainer.Step);
            Assert.True(resumed.Run());
        }
        TestUtil.AssertSameRun(tmp.Path, "full", "part");
        var (header, tensors) = CheckpointFile.Load(RunDirectory.ResolveCheckpoint(Path.Combine(tmp.Path, "full")));
        try
        {
            var expected = train.ExtraFields[TpGanFamily.FrontalLandmarks].mean([0]);
            Assert.True(tensors["state.template"].allclose(expected));
            Assert.Equal(FaceNets.Sha256(id), header["family-state"]!["identity-net-sha256"]!.GetValue<string>());
            Assert.Contains("identity.classify.weight", tensors.Keys);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
        // A checkpoint alone frontalizes (the template comes from it), even with the identity file gone.
        File.Delete(id);
        using var sampler = Sampler.Load(Path.Combine(tmp.Path, "full"));
        var system = (TpGanSystem)sampler.System;
        Assert.NotNull(system.Template);
        var x = train.GatherExtra(arange(2));
        var y = system.FrontalizeEval(x[BatchFields.Source], x[BatchFields.Landmarks]);
        Assert.Equal(new long[] { 2, 3, 64, 64 }, y.shape);

        // The command: a face of the model's size with given landmarks is written; a face of another size is one error line.
        string face = Path.Combine(tmp.Path, "face.png"), small = Path.Combine(tmp.Path, "small.png"), outPng = Path.Combine(tmp.Path, "out", "front.png");
        ImageTensor.SavePng(face, train.ExtraFields[BatchFields.Source][0]);
        ImageTensor.SavePng(small, zeros(new long[] { 3, 32, 32 }, ScalarType.Byte));
        var (code, stdout, err) = TestUtil.RunCli("frontalize", "--checkpoint", Path.Combine(tmp.Path, "full"), face, "--out", outPng, "--landmarks", "22,26,42,26,32,36,25,46,39,46");
        Assert.True(code == 0, err);
        Assert.Contains("landmarks given", stdout);
        var written = ImageTensor.Load(outPng);
        var expectedOut = system.FrontalizeEval(train.GatherExtra(arange(1))[BatchFields.Source], tensor(new float[] { 22, 26, 42, 26, 32, 36, 25, 46, 39, 46 }).reshape(1, 5, 2));
        Assert.True(written.equal(ImageTensor.ToBytes(expectedOut.add(1).mul(127.5)).squeeze(0)).all().item<bool>());
        // Estimated landmarks: the regressor's prediction for the face is what the generator is given.
        using (var faces = Faces())
        using (var lmNet = FaceNets.TrainLandmarks(faces, 2, seed: 4, width: 2, batch: 4))
        {
            string lmPath = Path.Combine(tmp.Path, "lm.ckpt");
            FaceNets.Save(lmNet, lmPath);
            (code, stdout, err) = TestUtil.RunCli("frontalize", "--checkpoint", Path.Combine(tmp.Path, "full"), face, "--out", outPng, "--landmark-net", lmPath);
            Assert.True(code == 0, err);
            Assert.Contains("landmarks estimated", stdout);
            var x0 = train.GatherExtra(arange(1))[BatchFields.Source];
            var est = system.FrontalizeEval(x0, lmNet.Predict(ImageTensor.Load(face).unsqueeze(0).to_type(ScalarType.Float32).div(127.5).sub(1)));
            Assert.True(ImageTensor.Load(outPng).equal(ImageTensor.ToBytes(est.add(1).mul(127.5)).squeeze(0)).all().item<bool>());
        }
        (code, _, err) = TestUtil.RunCli("frontalize", "--checkpoint", Path.Combine(tmp.Path, "full"), small, "--out", outPng, "--landmarks", "22,26,42,26,32,36,25,46,39,46");
        Assert.NotEqual(0, code);
        Assert.Equal($"error: {small} is 32×32, but this model frontalizes 64×64 faces: resize or crop the face to 64×64", err.Trim());
    }

    [Fact]
    public void RefusesBadOptionsInOneLine()
    {
        var family = new TpGanFamily();
        var o = Options("");
        var e = Assert.Throws<ArgumentException>(() => family.ResolveArch(o, new long[] { 3, 64, 64 }));
        Assert.Equal("tpgan's identity-preserving loss needs --identity-net FILE (train one with 'gansharp heads identity-net --out FILE'), or pass --no-identity", e.Message);
        o = Options("x.ckpt");
        o.Set("lambda-sym", -1.0);
        e = Assert.Throws<ArgumentException>(() => family.ResolveArch(o, new long[] { 3, 64, 64 }));
        Assert.Equal("--lambda-sym must not be negative (got -1)", e.Message);
        o = Options("x.ckpt");
        e = Assert.Throws<ArgumentException>(() => family.ResolveArch(o, new long[] { 3, 32, 32 }));
        Assert.Equal("the tpgan model frontalizes 64×64 or 128×128 faces, not examples of shape [3×32×32]: pass --size 64 or --size 128", e.Message);
        o.Mirror = true;
        e = Assert.Throws<ArgumentException>(() => family.ResolveArch(o, new long[] { 3, 64, 64 }));
        Assert.Equal("--mirror is not available for tpgan (mirrored images would not match their landmarks)", e.Message);
        o = Options("/nonexistent/id.ckpt");
        var d = Assert.Throws<DataException>(() => family.AdaptData(new TensorDataset("heads", zeros(new long[] { 0, 3, 64, 64 }, ScalarType.Byte)), o, null));
        Assert.Equal("identity network '/nonexistent/id.ckpt' does not exist: train one with 'gansharp heads identity-net --out /nonexistent/id.ckpt', or pass --no-identity", d.Message);
    }

    [Fact]
    public void FaceNetsRoundTripBitForBitAndRefuseOtherFiles()
    {
        using var tmp = new TestUtil.TempDir();
        using var faces = Faces();
        using var net = FaceNets.TrainIdentity(faces, 3, seed: 4, width: 2, batch: 4);
        string path = Path.Combine(tmp.Path, "id.ckpt");
        string sha = FaceNets.Save(net, path);
        Assert.Equal(sha, FaceNets.Sha256(path));
        Assert.Matches("^[0-9a-f]{64}$", sha);
        using var back = FaceNets.LoadIdentity(path);
        var x = faces.Gather(arange(4));
        Assert.True(net.Embedding(x).equal(back.Embedding(x)).all().item<bool>());
        // Deterministic per seed.
        using var again = FaceNets.TrainIdentity(faces, 3, seed: 4, width: 2, batch: 4);
        Assert.True(again.Embedding(x).equal(net.Embedding(x)).all().item<bool>());

        using var lmNet = FaceNets.TrainLandmarks(faces, 2, seed: 4, width: 2, batch: 4);
        string lmPath = Path.Combine(tmp.Path, "lm.ckpt");
        FaceNets.Save(lmNet, lmPath);
        using var lmBack = FaceNets.LoadLandmarks(lmPath);
        Assert.True(lmNet.Predict(x).equal(lmBack.Predict(x)).all().item<bool>());
        Assert.Equal(new long[] { 4, 5, 2 }, lmBack.Predict(x).shape);
        var e = Assert.Throws<CheckpointException>(() => FaceNets.LoadIdentity(lmPath));
        Assert.Equal($"'{lmPath}' is not a identity-net file (kind 'landmark-net'): train one with 'gansharp heads identity-net'", e.Message);
        e = Assert.Throws<CheckpointException>(() => FaceNets.LoadLandmarks(Path.Combine(tmp.Path, "none.ckpt")));
        Assert.Contains("does not exist: train one with 'gansharp heads landmark-net", e.Message);
    }

    [Fact]
    public void Rank1CountsProbesWhoseNearestGalleryFaceIsTheirOwn()
    {
        var gallery = tensor(new float[] { 1, 0, 0, 1, -1, 0 }).reshape(3, 2);
        var galleryLabels = tensor(new long[] { 0, 1, 2 });
        // Probe 0 nearest to gallery 0 (right), probe 1 nearest to 2 (wrong: it is 1), probe 2 nearest to 1 (right), probe 3 scaled copy of gallery 2 (right: cosine).
        var probes = tensor(new float[] { 0.9f, 0.1f, -0.8f, 0.5f, 0.1f, 0.7f, -5, 0 }).reshape(4, 2);
        var labels = tensor(new long[] { 0, 1, 1, 2 });
        Assert.Equal(0.75, FaceNets.Rank1(probes, labels, gallery, galleryLabels), 12);
    }

    [Fact]
    public void StudyScoresDirectMatchingAndWritesTheGrid()
    {
        using var tmp = new TestUtil.TempDir();
        using var faces = Faces();
        using var judge = FaceNets.TrainIdentity(faces, 2, seed: 4, width: 2, batch: 4);
        string grid = Path.Combine(tmp.Path, "grid.png");
        var scores = FrontalizeStudy.Run(faces, judge, new (string, TpGanSystem?)[] { ("direct", null) }, gridPath: grid);
        var s = Assert.Single(scores);
        Assert.Equal(new[] { 45 }, s.Rank1.Keys);
        // Direct matching's L1 is the mean |profile − frontal| in [0, 1] units over the six non-frontal views.
        var probes = tensor(new long[] { 0, 2, 3, 5, 6, 8 });
        var frontal = tensor(new long[] { 1, 1, 4, 4, 7, 7 });
        var expected = faces.Data.index_select(0, probes).to_type(ScalarType.Float32).sub(faces.Data.index_select(0, frontal).to_type(ScalarType.Float32)).abs().mean().div(255).item<float>();
        Assert.Equal(expected, s.PixelL1[45], 4);
        var (_, w, h, _) = ImageFile.Load(grid);
        Assert.Equal(2 * 66 + 2, w);       // input and truth columns (direct matching shows no output)
        Assert.Equal(2 * 66 + 2, h);       // identity 0's two non-frontal views
    }

    [Fact]
    public void FrontalizeGivesOneErrorLineForBadInput()
    {
        var e = Assert.Throws<ArgumentException>(() => GanSharp.Cli.Commands.FrontalizeCommand.ParseLandmarks("1,2,3"));
        Assert.Equal("--landmarks takes 10 numbers x0,y0,...,x4,y4 (5 landmarks), got 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => GanSharp.Cli.Commands.FrontalizeCommand.ParseLandmarks("1,2,3,4,5,6,7,eight,9,10"));
        Assert.Equal("--landmarks takes 10 numbers x0,y0,...,x4,y4; 'eight' is not a number", e.Message);
        var (code, _, err) = TestUtil.RunCli("frontalize", "--checkpoint", "/nonexistent", "in.png", "--out", "out.png");
        Assert.NotEqual(0, code);
        Assert.Equal("error: frontalize needs the face's landmarks: pass either --landmarks x0,y0,...,x4,y4 or --landmark-net FILE (not both)", err.Trim());
        (code, _, err) = TestUtil.RunCli("frontalize", "--checkpoint", "/nonexistent", "in.png", "--out", "out.jpg", "--landmarks", "1,2,3,4,5,6,7,8,9,10");
        Assert.NotEqual(0, code);
        Assert.Equal("error: --out must name a .png file (got 'out.jpg')", err.Trim());
    }
}
