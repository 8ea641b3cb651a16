using System.Diagnostics;
using System.Management.Automation;
using R2Sync.Engine.Storage;
using R2Sync.PowerShell.Hosting;

namespace R2Sync.PowerShell.Commands;

/// <summary>The result of Test-R2Connection.</summary>
public sealed class R2ConnectionTestResult
{
    public bool Success { get; init; }
    /// <summary>OK, Unreachable, AccessDenied, BucketNotFound or Failed.</summary>
    public string Status { get; init; } = "";
    public string Endpoint { get; init; } = "";
    public string Bucket { get; init; } = "";
    public string? AccessKeyId { get; init; }
    public TimeSpan Latency { get; init; }
    public string Message { get; init; } = "";
}

/// <summary>Test-R2Connection: one cheap request that proves endpoint, credentials and bucket, and says which failed.</summary>
[Cmdlet(VerbsDiagnostic.Test, "R2Connection")]
[OutputType(typeof(R2ConnectionTestResult))]
public sealed class TestR2ConnectionCommand : R2SyncCmdletBase
{
    protected override void EndProcessing()
    {
        var settings = ResolveSettings();
        using var store = OpenStore(settings, 2, retryCount: 1);
        var sw = Stopwatch.StartNew();
        try
        {
            store.CheckAsync(StopToken).GetAwaiter().GetResult();
            WriteObject(new R2ConnectionTestResult
            {
                Success = true, Status = "OK", Endpoint = settings.Endpoint, Bucket = settings.Bucket, AccessKeyId = settings.AccessKeyId,
                Latency = sw.Elapsed, Message = $"{settings.Endpoint} answered, the credentials were accepted and bucket '{settings.Bucket}' exists.",
            });
        }
        catch (StoreException e)
        {
            var status = e.Kind switch
            {
                StoreErrorKind.Unreachable => "Unreachable",
                StoreErrorKind.AccessDenied => "AccessDenied",
                StoreErrorKind.BucketNotFound => "BucketNotFound",
                _ => "Failed",
            };
            WriteObject(new R2ConnectionTestResult
            {
                Success = false, Status = status, Endpoint = settings.Endpoint, Bucket = settings.Bucket, AccessKeyId = settings.AccessKeyId,
                Latency = sw.Elapsed, Message = e.Message,
            });
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
        }
    }
}
