namespace R2Sync.Engine.Configuration;

/// <summary>Where the local experiments folder is when -Path is not given.</summary>
public static class LocalRoot
{
    public const string Default = "./experiments";

    /// <summary>
    /// $RAILWAY_VOLUME_MOUNT_PATH/experiments on a Railway service with a volume, else the project file's localRoot
    /// (relative to the file), else ./experiments.
    /// </summary>
    public static string DefaultFor(IReadOnlyDictionary<string, string?> environment, ProjectFile? project)
    {
        if (environment.TryGetValue("RAILWAY_VOLUME_MOUNT_PATH", out var volume) && !string.IsNullOrEmpty(volume))
            return Path.Combine(volume, "experiments");
        if (project is { LocalRoot: { Length: > 0 } root, Directory: { } dir })
            return Path.IsPathRooted(root) ? root : Path.Combine(dir, root);
        return Default;
    }
}
