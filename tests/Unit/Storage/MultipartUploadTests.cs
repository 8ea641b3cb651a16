using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using R2Sync.Engine.Hashing;
using R2Sync.Engine.Storage;
using R2Sync.Tests.Infrastructure;

namespace R2Sync.Tests.Storage;

[Collection(MotoCollection.Name)]
public class MultipartUploadTests
{
    private const int MiB = 1024 * 1024;
    private readonly MotoServer _moto;

    public MultipartUploadTests(MotoServer moto) => _moto = moto;

    private static string WriteRandom(TempDir dir, string name, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var p = Path.Combine(dir.Path, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    private S3ObjectStore Store(string bucket, string? endpoint = null) => new(new StoreOptions
    {
        Endpoint = endpoint ?? _moto.Endpoint, Bucket = bucket, AccessKeyId = "testing", SecretAccessKey = new R2Sync.Engine.Configuration.Secret("testing-secret"),
        RetryCount = 1, MultipartThreshold = 5 * MiB, PartSize = 5 * MiB,
    });

    /// <summary>In-progress multipart uploads, read with a plain SDK client (not the store under test).</summary>
    private async Task<int> InProgressUploadsAsync(string bucket)
    {
        using var c = new AmazonS3Client(new BasicAWSCredentials("testing", "testing"),
            new AmazonS3Config { ServiceURL = _moto.Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1", UseHttp = true });
        var r = await c.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
        return r.MultipartUploads?.Count ?? 0;
    }

    [Fact]
    public async Task Upload_AboveThreshold_UsesEqualPartsWithContentMd5()
    {
        var bucket = _moto.NewBucket("mpu");
        using var dir = new TempDir();
        var file = WriteRandom(dir, "big.bin", 12 * MiB + 3, 1);
        var md5 = await Md5.OfFileAsync(file, default);
        var record = Path.Combine(dir.Path, "requests.jsonl");
        using var proxy = S3Proxy.Start(_moto.Endpoint, "--record", record);
        using var store = Store(bucket, proxy.Endpoint);
        using var budget = new TransferBudget(3);
        await budget.AcquireAsync(default); // the worker's own slot

        await store.UploadAsync(new UploadRequest
        {
            Key = "experiments/big.bin", LocalPath = file, Size = 12 * MiB + 3, Md5Hex = md5,
            LastWriteUtc = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc), Budget = budget,
        }, null, default);

        Assert.Equal(2, budget.Available); // borrowed slots were given back
        var parts = S3Proxy.Read(record).Where(r => r.Method == "PUT" && r.Path.Contains("uploadId=")).OrderBy(r => r.PartNumber).ToList();
        Assert.Equal(new[] { 1, 2, 3 }, parts.Select(p => p.PartNumber));
        Assert.Equal(new long[] { 5 * MiB, 5 * MiB, 2 * MiB + 3 }, parts.Select(p => p.ReqBytes));
        var content = await File.ReadAllBytesAsync(file);
        foreach (var p in parts)
        {
            var slice = content.AsSpan((p.PartNumber - 1) * 5 * MiB, (int)p.ReqBytes);
            Assert.Equal(Convert.ToBase64String(MD5.HashData(slice)), p.ContentMd5);
        }
        using var plain = Store(bucket);
        var head = await plain.HeadAsync("experiments/big.bin", default);
        Assert.EndsWith("-3", head!.ETag);
        Assert.Equal(md5, head.MetadataMd5Hex);
        Assert.Equal(new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc), head.MetadataMtimeUtc);
        var back = await plain.DownloadAsync("experiments/big.bin", Path.Combine(dir.Path, "back.bin"), null, default);
        Assert.Equal(md5, back.ReceivedMd5Hex);
        Assert.Equal(0, await InProgressUploadsAsync(bucket));
    }

    [Fact]
    public async Task Upload_CancelledAfterFirstPart_AbortsTheMultipartUpload()
    {
        var bucket = _moto.NewBucket("mpc");
        using var dir = new TempDir();
        var file = WriteRandom(dir, "big.bin", 16 * MiB, 2);
        using var store = Store(bucket);
        using var cts = new CancellationTokenSource();
        var md5 = await Md5.OfFileAsync(file, default);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.UploadAsync(new UploadRequest
        {
            Key = "experiments/big.bin", LocalPath = file, Size = 16 * MiB, Md5Hex = md5,
        }, _ => cts.Cancel(), cts.Token));

        Assert.Equal(0, await InProgressUploadsAsync(bucket));
        Assert.Null(await store.HeadAsync("experiments/big.bin", default));
    }

    [Fact]
    public async Task Upload_PartFailsOnEveryAttempt_FailsAndAbortsTheMultipartUpload()
    {
        var bucket = _moto.NewBucket("mpf");
        using var dir = new TempDir();
        var file = WriteRandom(dir, "big.bin", 11 * MiB, 3);
        using var proxy = S3Proxy.Start(_moto.Endpoint, "--reset-rate", "1", "--fault-path-regex", "partNumber=2");
        using var store = Store(bucket, proxy.Endpoint);
        var md5 = await Md5.OfFileAsync(file, default);

        var e = await Assert.ThrowsAsync<StoreException>(() => store.UploadAsync(new UploadRequest
        {
            Key = "experiments/big.bin", LocalPath = file, Size = 11 * MiB, Md5Hex = md5,
        }, null, default));

        Assert.Contains("experiments/big.bin", e.Message);
        Assert.Equal(0, await InProgressUploadsAsync(bucket));
        Assert.Null(await store.HeadAsync("experiments/big.bin", default));
    }

    [Fact]
    public async Task Upload_CreateOnlyAboveThreshold_RefusesAnExistingKey()
    {
        var bucket = _moto.NewBucket("mpn");
        using var dir = new TempDir();
        var file = WriteRandom(dir, "big.bin", 6 * MiB, 4);
        using var store = Store(bucket);
        var req = new UploadRequest { Key = "experiments/big.bin", LocalPath = file, Size = 6 * MiB, Md5Hex = await Md5.OfFileAsync(file, default), IfNoneMatch = true };
        await store.UploadAsync(req, null, default);

        var e = await Assert.ThrowsAsync<StoreException>(() => store.UploadAsync(req, null, default));

        Assert.Equal(StoreErrorKind.PreconditionFailed, e.Kind);
        Assert.Equal(0, await InProgressUploadsAsync(bucket));
    }

    [Theory]
    [InlineData(100L * MiB, 16L * MiB, 16L * MiB)]
    [InlineData(200L * 1024 * MiB, 16L * MiB, 21L * MiB)]      // 200 GiB would need 12,800 parts of 16 MiB
    [InlineData(10L * MiB, 1L * MiB, 5L * MiB)]                // never below S3's 5 MiB minimum
    public void PartSizeFor_KeepsPartsEqualWithinTenThousand(long fileSize, long requested, long expected)
    {
        var size = MultipartUploader.PartSizeFor(fileSize, requested);
        Assert.Equal(expected, size);
        Assert.True((fileSize + size - 1) / size <= MultipartUploader.MaxParts);
    }
}

/// <summary>tests/tools/s3proxy.py in front of moto (records requests, injects faults); stopped by its process id.</summary>
internal sealed class S3Proxy : IDisposable
{
    private readonly Process _p;
    public string Endpoint { get; }

    private S3Proxy(Process p, string endpoint) { _p = p; Endpoint = endpoint; }

    public static S3Proxy Start(string upstream, params string[] args)
    {
        var script = Path.Combine(RepoRoot(), "tests", "tools", "s3proxy.py");
        var psi = new ProcessStartInfo(MotoServer.RealPython()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, "--upstream", upstream, "--port", "0" }.Concat(args)) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.ErrorDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        var line = p.StandardOutput.ReadLine();
        if (line is null || !line.StartsWith("LISTENING ")) { p.Kill(); throw new InvalidOperationException($"s3proxy failed: {line}"); }
        return new S3Proxy(p, $"http://127.0.0.1:{line["LISTENING ".Length..].Trim()}");
    }

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "DEVELOPERS.md"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public sealed record Request(string Method, string Path, long ReqBytes, string? ContentMd5)
    {
        public int PartNumber => System.Text.RegularExpressions.Regex.Match(Path, @"partNumber=(\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;
    }

    public static List<Request> Read(string file) => File.ReadAllLines(file).Where(l => l.Length > 0).Select(l =>
    {
        using var d = JsonDocument.Parse(l);
        var r = d.RootElement;
        string? md5 = r.GetProperty("req_headers").TryGetProperty("content-md5", out var m) ? m.GetString() : null;
        return new Request(r.GetProperty("method").GetString()!, r.GetProperty("path").GetString()!, r.GetProperty("req_bytes").GetInt64(), md5);
    }).ToList();

    public void Dispose()
    {
        try { _p.Kill(); _p.WaitForExit(5000); } catch (InvalidOperationException) { }
        _p.Dispose();
    }
}
