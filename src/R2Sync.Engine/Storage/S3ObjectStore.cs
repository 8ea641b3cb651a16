using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using R2Sync.Engine.Hashing;
using R2Sync.Engine.Planning;

namespace R2Sync.Engine.Storage;

/// <summary>
/// The S3 store: one AmazonS3Client per run with the settings R2 needs (path-style addressing, region auto,
/// checksums only when required, no streaming SigV4 on uploads). No SDK type leaves this class.
/// </summary>
public sealed class S3ObjectStore : IObjectStore
{
    public const string Md5MetadataKey = "md5chksum";
    public const string MtimeMetadataKey = "mtime";

    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    // R2 rejects aws-chunked (streaming SigV4) bodies, so uploads are never chunked. Over HTTPS the payload is
    // UNSIGNED-PAYLOAD (TLS and Content-MD5 protect it, no extra read to hash it); the SDK refuses that over plain
    // HTTP, where the payload is signed instead (local test servers only).
    private readonly bool _unsignedPayload;
    private readonly long _multipartThreshold, _partSize;

    public S3ObjectStore(StoreOptions o)
    {
        _bucket = o.Bucket;
        _unsignedPayload = o.Endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        (_multipartThreshold, _partSize) = (o.MultipartThreshold, o.PartSize);
        _client = new AmazonS3Client(new BasicAWSCredentials(o.AccessKeyId ?? "", o.SecretAccessKey?.Reveal() ?? ""), CreateConfig(o));
    }

    /// <summary>The one place that configures the SDK for R2 and other S3-compatible stores.</summary>
    internal static AmazonS3Config CreateConfig(StoreOptions o)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = o.Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = o.Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = o.RetryCount,
            RetryMode = RequestRetryMode.Standard,
            Timeout = o.RequestTimeout,
            ConnectTimeout = o.ConnectTimeout,
            MaxConnectionsPerServer = o.MaxConnections,
            UseHttp = o.Endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase),
        };
        return config;
    }

    public bool SupportsConditionalCreate => true;

    public string Describe(string key) => $"r2://{_bucket}/{key}";

    public async IAsyncEnumerable<RemoteObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        string? token = null;
        do
        {
            ListObjectsV2Response page;
            try
            {
                page = await _client.ListObjectsV2Async(new ListObjectsV2Request
                {
                    BucketName = _bucket,
                    Prefix = prefix,
                    ContinuationToken = token,
                    MaxKeys = 1000,
                }, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw Translate(e, Describe(prefix));
            }
            if (page.S3Objects is { } objects)
                foreach (var o in objects)
                    yield return new RemoteObject(o.Key, o.Size ?? 0, Unquote(o.ETag), o.LastModified?.ToUniversalTime() ?? default);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
    }

    public async Task<ObjectInfo?> HeadAsync(string key, CancellationToken ct)
    {
        try
        {
            var r = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, ct)
                .ConfigureAwait(false);
            return new ObjectInfo
            {
                Key = key,
                Size = r.ContentLength,
                ETag = Unquote(r.ETag),
                LastModifiedUtc = r.LastModified?.ToUniversalTime() ?? default,
                MetadataMd5Hex = Md5.Base64ToHex(Meta(r.Metadata, Md5MetadataKey)),
                MetadataMtimeUtc = ParseMtime(Meta(r.Metadata, MtimeMetadataKey)),
            };
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Translate(e, Describe(key));
        }
    }

    public async Task UploadAsync(UploadRequest u, Action<long>? bytesSent, CancellationToken ct)
    {
        if (u.Size > (u.MultipartThreshold ?? _multipartThreshold))
        {
            try
            {
                await MultipartUploader.UploadAsync(_client, _bucket, u, u.PartSize ?? _partSize, _unsignedPayload, bytesSent, ct).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw Translate(e, Describe(u.Key));
            }
        }
        try
        {
            await using Stream fs = u.Content is { } c
                ? new MemoryStream(c.Array!, c.Offset, c.Count, writable: false)
                : new FileStream(u.LocalPath, new FileStreamOptions
                {
                    Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete,
                    BufferSize = 0, Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
                });
            var req = new PutObjectRequest
            {
                BucketName = _bucket,
                Key = u.Key,
                InputStream = fs,
                AutoCloseStream = false,
                DisablePayloadSigning = _unsignedPayload,
                UseChunkEncoding = false,
                ContentType = "application/octet-stream",
            };
            req.Headers.ContentLength = u.Size;
            if (u.Md5Hex is not null)
            {
                var b64 = Md5.HexToBase64(u.Md5Hex);
                req.MD5Digest = b64;
                req.Metadata.Add(Md5MetadataKey, b64);
            }
            req.Metadata.Add(MtimeMetadataKey, FormatMtime(u.LastWriteUtc));
            if (u.IfNoneMatch) req.IfNoneMatch = "*";
            if (bytesSent is not null)
            {
                long last = 0;
                req.StreamTransferProgress += (_, p) => { bytesSent(p.TransferredBytes - last); last = p.TransferredBytes; };
            }
            await _client.PutObjectAsync(req, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Translate(e, Describe(u.Key));
        }
    }

    public async Task<DownloadResult> DownloadAsync(string key, string destinationPath, Action<long>? bytesReceived, CancellationToken ct)
    {
        try
        {
            using var r = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, ct).ConfigureAwait(false);
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            long total = 0;
            await using (var fs = new FileStream(destinationPath, new FileStreamOptions
            {
                Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None,
                BufferSize = 0, Options = FileOptions.Asynchronous,
            }))
            {
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
                try
                {
                    int n;
                    while ((n = await r.ResponseStream.ReadAsync(buffer.AsMemory(0, buffer.Length), ct).ConfigureAwait(false)) > 0)
                    {
                        md5.AppendData(buffer, 0, n);
                        await fs.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                        total += n;
                        bytesReceived?.Invoke(n);
                    }
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            if (total != r.ContentLength)
                throw new StoreException(StoreErrorKind.Transient,
                    $"the download of {Describe(key)} ended after {total} of {r.ContentLength} bytes", Describe(key));
            return new DownloadResult
            {
                Size = total,
                ETag = Unquote(r.ETag),
                LastModifiedUtc = r.LastModified?.ToUniversalTime() ?? default,
                MetadataMd5Hex = Md5.Base64ToHex(Meta(r.Metadata, Md5MetadataKey)),
                MetadataMtimeUtc = ParseMtime(Meta(r.Metadata, MtimeMetadataKey)),
                ReceivedMd5Hex = Md5.ToHex(md5.GetHashAndReset()),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException and not StoreException)
        {
            throw Translate(e, Describe(key));
        }
    }

    public async Task<IReadOnlyList<DeleteFailure>> DeleteAsync(IReadOnlyList<string> keys, CancellationToken ct)
    {
        var failures = new List<DeleteFailure>();
        for (int i = 0; i < keys.Count; i += 1000)
        {
            var batch = keys.Skip(i).Take(1000).ToList();
            try
            {
                var r = await _client.DeleteObjectsAsync(new DeleteObjectsRequest
                {
                    BucketName = _bucket,
                    Objects = batch.Select(k => new KeyVersion { Key = k }).ToList(),
                    Quiet = true,
                }, ct).ConfigureAwait(false);
                if (r.DeleteErrors is { } errs)
                    failures.AddRange(errs.Select(e => new DeleteFailure(e.Key, $"{e.Code}: {e.Message}")));
            }
            catch (DeleteObjectsException e)
            {
                if (e.Response?.DeleteErrors is { } errs)
                    failures.AddRange(errs.Select(x => new DeleteFailure(x.Key, $"{x.Code}: {x.Message}")));
                else
                    failures.AddRange(batch.Select(k => new DeleteFailure(k, e.Message)));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var t = Translate(e, Describe(batch[0]));
                failures.AddRange(batch.Select(k => new DeleteFailure(k, t.Message)));
            }
        }
        return failures;
    }

    public async Task CheckAsync(CancellationToken ct)
    {
        try
        {
            await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, MaxKeys = 1 }, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Translate(e, $"r2://{_bucket}");
        }
    }

    public void Dispose() => _client.Dispose();

    internal static string? Unquote(string? etag) => etag?.Trim('"');

    private static string? Meta(MetadataCollection m, string name)
    {
        foreach (var k in m.Keys)
            if (string.Equals(k, "x-amz-meta-" + name, StringComparison.OrdinalIgnoreCase) || string.Equals(k, name, StringComparison.OrdinalIgnoreCase))
                return m[k];
        return null;
    }

    /// <summary>rclone's mtime format: seconds since the epoch with a fraction.</summary>
    public static string FormatMtime(DateTime utc)
    {
        var ticks = utc.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks;
        var secs = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rem);
        if (rem < 0) { secs--; rem += TimeSpan.TicksPerSecond; }
        return $"{secs}.{rem * 100:D9}";
    }

    public static DateTime? ParseMtime(string? s)
    {
        if (string.IsNullOrWhiteSpace(s)) return null;
        var parts = s.Trim().Split('.');
        if (parts.Length > 2 || !long.TryParse(parts[0], System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out var secs)) return null;
        long ticks = 0;
        if (parts.Length == 2)
        {
            var frac = parts[1];
            if (frac.Length == 0 || !frac.All(char.IsAsciiDigit)) return null;
            frac = (frac + "0000000").Substring(0, 7); // 100 ns resolution
            ticks = long.Parse(frac, System.Globalization.CultureInfo.InvariantCulture);
        }
        try { return DateTime.UnixEpoch.AddTicks(secs * TimeSpan.TicksPerSecond + ticks); }
        catch (ArgumentOutOfRangeException) { return null; }
    }

    /// <summary>Describes an SDK failure as a <see cref="StoreException"/>; the message never carries the secret.</summary>
    internal static StoreException Translate(Exception e, string target)
    {
        if (e is StoreException se) return se;
        if (e is AmazonS3Exception s3)
        {
            var status = (int)s3.StatusCode;
            var kind = s3.ErrorCode switch
            {
                "NoSuchBucket" => StoreErrorKind.BucketNotFound,
                "NoSuchKey" => StoreErrorKind.NotFound,
                "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" or "InvalidToken" or "ExpiredToken" => StoreErrorKind.AccessDenied,
                "PreconditionFailed" => StoreErrorKind.PreconditionFailed,
                "SlowDown" or "InternalError" or "ServiceUnavailable" or "RequestTimeout" => StoreErrorKind.Transient,
                _ => status switch
                {
                    401 or 403 => StoreErrorKind.AccessDenied,
                    404 => StoreErrorKind.NotFound,
                    412 => StoreErrorKind.PreconditionFailed,
                    429 or >= 500 => StoreErrorKind.Transient,
                    _ => StoreErrorKind.Other,
                },
            };
            var what = kind switch
            {
                StoreErrorKind.BucketNotFound => "the bucket does not exist",
                StoreErrorKind.AccessDenied => "the credentials were refused",
                StoreErrorKind.PreconditionFailed => "the object already exists (it was written by someone else since the plan)",
                _ => "the request failed",
            };
            return new StoreException(kind, $"{target}: {what} ({status} {s3.ErrorCode}: {s3.Message})", target, e)
            {
                StatusCode = status, ErrorCode = s3.ErrorCode,
            };
        }
        if (IsNetwork(e, out var refused))
            return new StoreException(refused ? StoreErrorKind.Unreachable : StoreErrorKind.Transient,
                $"{target}: {(refused ? "the endpoint could not be reached" : "the connection failed")} ({Innermost(e).Message})", target, e);
        if (e is TaskCanceledException or TimeoutException)
            return new StoreException(StoreErrorKind.Transient, $"{target}: the request timed out", target, e);
        if (e is System.Net.Http.HttpIOException)
            return new StoreException(StoreErrorKind.Transient, $"{target}: the connection failed mid-transfer ({e.Message})", target, e);
        if (e is IOException or UnauthorizedAccessException)
            return new StoreException(StoreErrorKind.Other, $"{target}: {e.Message}", target, e);
        return new StoreException(StoreErrorKind.Other, $"{target}: {Innermost(e).Message}", target, e);
    }

    private static bool IsNetwork(Exception e, out bool refused)
    {
        refused = false;
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is SocketException so)
            {
                refused = so.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostNotFound
                    or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TryAgain or SocketError.NoData;
                return true;
            }
            if (x is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError } hre)
            {
                refused = true;
                return true;
            }
            if (x is HttpRequestException or IOException && x.InnerException is SocketException or null && x is not FileNotFoundException)
            {
                if (x is HttpRequestException) return true;
            }
        }
        return false;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
