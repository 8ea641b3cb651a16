using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Win32.SafeHandles;
using R2Sync.Engine.Hashing;

namespace R2Sync.Engine.Storage;

/// <summary>
/// Multipart uploads the way R2 wants them: equal-size parts (all but the last), at most 10,000, each with its
/// Content-MD5; the whole file's MD5 and mtime go into the metadata (md5chksum, mtime) as with single PUTs.
/// Parts run in parallel only on slots borrowed from the run's <see cref="TransferBudget"/>. Any failure or
/// cancellation aborts the upload, so no incomplete upload is left in the bucket.
/// </summary>
internal static class MultipartUploader
{
    public const int MaxParts = 10_000;
    public const long MinPartSize = 5L * 1024 * 1024;
    /// <summary>Parts of one upload in flight at once (bounds memory: one part buffer per lane).</summary>
    public const int MaxLanesPerUpload = 4;

    /// <summary>The part size for a file: the requested size, grown (in whole MiB) so the file fits in 10,000 parts.</summary>
    public static long PartSizeFor(long fileSize, long requested)
    {
        var size = Math.Max(MinPartSize, requested);
        if ((fileSize + size - 1) / size > MaxParts)
        {
            const long MiB = 1024 * 1024;
            var needed = (fileSize + MaxParts - 1) / MaxParts;
            size = (needed + MiB - 1) / MiB * MiB;
        }
        return size;
    }

    public static async Task UploadAsync(IAmazonS3 client, string bucket, UploadRequest u, long requestedPartSize, bool unsignedPayload,
        Action<long>? bytesSent, CancellationToken ct)
    {
        if (u.IfNoneMatch)
        {
            // Create-only: refuse early when the key exists (saves the upload), and ask the store to refuse the
            // completion too when someone created the key in the meantime (If-None-Match on CompleteMultipartUpload).
            try
            {
                await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = u.Key }, ct).ConfigureAwait(false);
                throw new StoreException(StoreErrorKind.PreconditionFailed,
                    $"r2://{bucket}/{u.Key}: the object already exists (it was written by someone else since the plan)", $"r2://{bucket}/{u.Key}");
            }
            catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket") { }
        }
        var partSize = PartSizeFor(u.Size, requestedPartSize);
        var parts = (int)((u.Size + partSize - 1) / partSize);
        var init = new InitiateMultipartUploadRequest { BucketName = bucket, Key = u.Key, ContentType = "application/octet-stream" };
        if (u.Md5Hex is not null) init.Metadata.Add(S3ObjectStore.Md5MetadataKey, Md5.HexToBase64(u.Md5Hex));
        init.Metadata.Add(S3ObjectStore.MtimeMetadataKey, S3ObjectStore.FormatMtime(u.LastWriteUtc));
        var uploadId = (await client.InitiateMultipartUploadAsync(init, ct).ConfigureAwait(false)).UploadId;
        int borrowed = 0;
        try
        {
            using var handle = File.OpenHandle(u.LocalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            if (RandomAccess.GetLength(handle) != u.Size)
                throw new IOException($"'{u.LocalPath}' changed size before its upload started");
            var etags = new PartETag[parts];
            using var failFast = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var progressLock = new object();
            int next = -1;

            async Task Lane()
            {
                // One buffer per lane for this upload, not from ArrayPool.Shared: that would keep 16 MiB arrays per
                // thread and per core for the rest of the session.
                var buffer = GC.AllocateUninitializedArray<byte>((int)partSize);
                try
                {
                    while (true)
                    {
                        var i = Interlocked.Increment(ref next);
                        if (i >= parts) return;
                        failFast.Token.ThrowIfCancellationRequested();
                        long offset = i * partSize;
                        int len = (int)Math.Min(partSize, u.Size - offset);
                        await ReadExactlyAsync(handle, buffer.AsMemory(0, len), offset, failFast.Token).ConfigureAwait(false);
                        var md5 = Convert.ToBase64String(MD5.HashData(buffer.AsSpan(0, len)));
                        using var body = new MemoryStream(buffer, 0, len, writable: false);
                        var r = await client.UploadPartAsync(new UploadPartRequest
                        {
                            BucketName = bucket, Key = u.Key, UploadId = uploadId, PartNumber = i + 1,
                            InputStream = body, PartSize = len, MD5Digest = md5,
                            DisablePayloadSigning = unsignedPayload, UseChunkEncoding = false,
                        }, failFast.Token).ConfigureAwait(false);
                        etags[i] = new PartETag(i + 1, r.ETag);
                        if (bytesSent is not null) lock (progressLock) bytesSent(len);
                    }
                }
                catch
                {
                    failFast.Cancel(); // stop the other lanes: the upload is aborted anyway
                    throw;
                }
            }

            // The caller's slot carries one lane; more lanes only on slots that are free right now.
            var lanes = new List<Task> { Task.Run(Lane, CancellationToken.None) };
            while (u.Budget is { } budget && borrowed < Math.Min(parts, MaxLanesPerUpload) - 1 && budget.TryAcquire())
            {
                borrowed++;
                lanes.Add(Task.Run(Lane, CancellationToken.None));
            }
            try
            {
                await Task.WhenAll(lanes).ConfigureAwait(false);
            }
            catch
            {
                // Report the first real failure rather than the cancellations it caused in the other lanes.
                var first = lanes.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!)
                    .FirstOrDefault(e => e is not OperationCanceledException);
                ct.ThrowIfCancellationRequested();
                if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
                throw;
            }
            await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = bucket, Key = u.Key, UploadId = uploadId, PartETags = etags.ToList(),
                IfNoneMatch = u.IfNoneMatch ? "*" : null,
            }, ct).ConfigureAwait(false);
        }
        catch
        {
            await AbortAsync(client, bucket, u.Key, uploadId).ConfigureAwait(false);
            throw;
        }
        finally
        {
            u.Budget?.Release(borrowed);
        }
    }

    private static async Task ReadExactlyAsync(SafeFileHandle h, Memory<byte> buffer, long offset, CancellationToken ct)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            var n = await RandomAccess.ReadAsync(h, buffer[done..], offset + done, ct).ConfigureAwait(false);
            if (n == 0) throw new IOException("the file became shorter while it was being uploaded");
            done += n;
        }
    }

    /// <summary>Aborts an upload whatever happened to the run (its own token may be cancelled); best effort, bounded.</summary>
    private static async Task AbortAsync(IAmazonS3 client, string bucket, string key, string uploadId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = uploadId },
                    timeout.Token).ConfigureAwait(false);
                return;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return; // already gone
            }
            catch (Exception) when (!timeout.IsCancellationRequested)
            {
                await Task.Delay(200 * (attempt + 1)).ConfigureAwait(false);
            }
            catch (Exception)
            {
                return;
            }
        }
    }
}
