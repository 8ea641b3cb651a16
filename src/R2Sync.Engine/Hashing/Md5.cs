using System.Security.Cryptography;

namespace R2Sync.Engine.Hashing;

public static class Md5
{
    public static bool IsHexMd5(string? s)
    {
        if (s is null || s.Length != 32) return false;
        foreach (var c in s)
            if (!Uri.IsHexDigit(c)) return false;
        return true;
    }

    public static string ToHex(ReadOnlySpan<byte> hash) => Convert.ToHexString(hash).ToLowerInvariant();

    public static string HexToBase64(string hex) => Convert.ToBase64String(Convert.FromHexString(hex));

    /// <summary>Base64 MD5 (the form of Content-MD5 and rclone's md5chksum) to lower-case hex; null when malformed.</summary>
    public static string? Base64ToHex(string? b64)
    {
        if (string.IsNullOrEmpty(b64)) return null;
        Span<byte> buf = stackalloc byte[24];
        if (!Convert.TryFromBase64String(b64, buf, out var n) || n != 16) return null;
        return ToHex(buf[..16]);
    }

    /// <summary>MD5 of a file, lower-case hex. Streams the file; never loads it whole.</summary>
    public static async Task<string> OfFileAsync(string path, CancellationToken ct)
    {
        await using var fs = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0, Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
        });
        return ToHex(await MD5.HashDataAsync(fs, ct).ConfigureAwait(false));
    }
}
