using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using R2Sync.Engine.Configuration;
using R2Sync.Engine.Storage;

namespace R2Sync.Tests.Infrastructure;

/// <summary>
/// A real moto S3 server over HTTP: the one build.ps1 started (R2SYNC_TEST_ENDPOINT), or one of our own.
/// Shared by every test class through the collection fixture.
/// </summary>
public sealed class MotoServer : IDisposable
{
    private readonly Process? _own;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public MotoServer()
    {
        var env = Environment.GetEnvironmentVariable("R2SYNC_TEST_ENDPOINT");
        if (!string.IsNullOrEmpty(env))
        {
            Endpoint = env.TrimEnd('/');
            return;
        }
        var port = FreePort();
        var python = RealPython();
        _own = Process.Start(new ProcessStartInfo(python, $"-m moto.server -H 127.0.0.1 -p {port}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        _own.OutputDataReceived += (_, _) => { };
        _own.ErrorDataReceived += (_, _) => { };
        _own.BeginOutputReadLine();
        _own.BeginErrorReadLine();
        Endpoint = $"http://127.0.0.1:{port}";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                Http.GetAsync(Endpoint + "/").GetAwaiter().GetResult();
                break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
    }

    public string Endpoint { get; }

    /// <summary>Creates a fresh bucket (moto accepts an unsigned CreateBucket in us-east-1).</summary>
    public string NewBucket(string stem = "t")
    {
        var name = $"{stem}-{Guid.NewGuid():N}"[..Math.Min(40, stem.Length + 33)].ToLowerInvariant();
        var r = Http.PutAsync($"{Endpoint}/{name}", null).GetAwaiter().GetResult();
        if (r.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"CreateBucket {name}: {r.StatusCode}");
        return name;
    }

    public StoreOptions Options(string bucket, string? endpoint = null) => new()
    {
        Endpoint = endpoint ?? Endpoint,
        Bucket = bucket,
        AccessKeyId = "testing",
        SecretAccessKey = new Secret("testing-secret"),
        RetryCount = 2,
    };

    public S3ObjectStore Store(string bucket, string? endpoint = null) => new(Options(bucket, endpoint));

    public void Dispose()
    {
        if (_own is null) return;
        try { _own.Kill(entireProcessTree: true); _own.WaitForExit(10_000); } catch (InvalidOperationException) { }
        _own.Dispose();
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        try { return ((IPEndPoint)l.LocalEndpoint).Port; } finally { l.Stop(); }
    }

    public static string RealPython()
    {
        var p = Process.Start(new ProcessStartInfo("python3", "-c \"import sys; print(sys.executable)\"") { RedirectStandardOutput = true })!;
        var exe = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return exe;
    }
}

[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoServer>
{
    public const string Name = "moto";
}

/// <summary>A temporary folder, removed with the test.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "r2sync-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string rel, string content)
    {
        var p = System.IO.Path.Combine(Path, rel);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        File.WriteAllText(p, content);
        return p;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
