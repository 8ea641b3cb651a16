using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Language;
using R2Sync.Engine.Configuration;
using R2Sync.Engine.Storage;

namespace R2Sync.PowerShell.Completion;

/// <summary>
/// Completes -Experiment with the experiment folder names under -Path (default ./experiments) and, when the
/// settings resolve (parameters, environment, .env), the experiment names in the bucket: a listing cut off after
/// <see cref="RemoteTimeout"/> and cached for a minute. Set R2SYNC_NO_REMOTE_COMPLETION=1 to complete local names only.
/// </summary>
public sealed class ExperimentCompleter : IArgumentCompleter
{
    public static TimeSpan RemoteTimeout { get; set; } = TimeSpan.FromMilliseconds(1500);

    private static readonly ConcurrentDictionary<string, (DateTime At, string[] Names)> RemoteCache = new();

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        var names = new SortedDictionary<string, string>(StringComparer.Ordinal); // name → tooltip
        string? cwd = null;
        try
        {
            using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            ps.AddScript("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p); $ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath")
              .AddArgument(Bound(fakeBoundParameters, "Path") ?? "./experiments");
            var r = ps.Invoke();
            var root = r.Count > 0 ? r[0]?.BaseObject as string : null;
            cwd = r.Count > 1 ? r[1]?.BaseObject as string : null;
            if (root is not null && Directory.Exists(root))
                foreach (var d in Directory.EnumerateDirectories(root))
                {
                    var n = System.IO.Path.GetFileName(d);
                    if (n.StartsWith(word, StringComparison.OrdinalIgnoreCase)) names[n] = $"local: {d}";
                }
        }
        catch (Exception) { /* completion never throws */ }

        foreach (var n in RemoteNames(fakeBoundParameters, cwd))
            if (n.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                names[n] = names.TryGetValue(n, out var t) ? t + " (also remote)" : "remote only";

        foreach (var (n, tip) in names)
        {
            var text = n.IndexOfAny(new[] { ' ', '\'', '$', '`', ',', ';', '(', ')', '{', '}', '@', '#', '&', '|' }) >= 0 ? $"'{n.Replace("'", "''")}'" : n;
            yield return new CompletionResult(text, n, CompletionResultType.ParameterValue, tip);
        }
    }

    private static string? Bound(IDictionary d, string name) =>
        d is not null && d.Contains(name) && d[name] is { } v ? (v is PSObject p ? p.BaseObject : v)?.ToString() : null;

    private static IEnumerable<string> RemoteNames(IDictionary bound, string? cwd)
    {
        if (Environment.GetEnvironmentVariable("R2SYNC_NO_REMOTE_COMPLETION") is "1" or "true") return Array.Empty<string>();
        try
        {
            var env = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (DictionaryEntry e in Environment.GetEnvironmentVariables()) env[(string)e.Key] = e.Value as string;
            var settings = SettingsResolver.Resolve(new SettingsInput
            {
                Endpoint = Bound(bound, "Endpoint"),
                Bucket = Bound(bound, "Bucket"),
                Prefix = Bound(bound, "Prefix"),
            }, env, cwd);
            var cacheKey = $"{settings.Endpoint}|{settings.Bucket}|{settings.Prefix}|{settings.AccessKeyId}";
            if (RemoteCache.TryGetValue(cacheKey, out var hit) && DateTime.UtcNow - hit.At < TimeSpan.FromMinutes(1)) return hit.Names;
            var names = ListExperiments(settings).GetAwaiter().GetResult();
            RemoteCache[cacheKey] = (DateTime.UtcNow, names);
            return names;
        }
        catch (Exception)
        {
            return Array.Empty<string>(); // no settings, unreachable, denied: local names only
        }
    }

    private static async Task<string[]> ListExperiments(ResolvedSettings settings)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        using var cts = new CancellationTokenSource(RemoteTimeout);
        using var store = StoreFactory.Open(settings.ToStoreOptions(2, 0));
        try
        {
            await foreach (var o in store.ListAsync(settings.Prefix, cts.Token).ConfigureAwait(false))
            {
                var rel = o.Key.Substring(settings.Prefix.Length);
                var i = rel.IndexOf('/');
                if (i > 0) found.Add(rel.Substring(0, i));
            }
        }
        catch (OperationCanceledException) { /* the time-out: what was listed so far */ }
        catch (StoreException) { }
        return found.ToArray();
    }
}

/// <summary>
/// Completes -IncludeGroup with the include group names of the project file (r2sync.json, found by walking up from
/// the current folder). Reads the engine's ProjectFile by reflection, so it compiles before that type exists.
/// </summary>
public sealed class IncludeGroupCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        foreach (var n in GroupNames(CurrentDirectory()))
            if (n.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(n, n, CompletionResultType.ParameterValue, $"include group '{n}' (r2sync.json)");
    }

    internal static string? CurrentDirectory()
    {
        try
        {
            using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            ps.AddScript("$ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath");
            var r = ps.Invoke();
            return r.Count > 0 ? r[0]?.BaseObject as string : null;
        }
        catch (Exception) { return null; }
    }

    internal static IEnumerable<string> GroupNames(string? directory)
    {
        if (directory is null) return Array.Empty<string>();
        try
        {
            var t = typeof(SettingsResolver).Assembly.GetType("R2Sync.Engine.Configuration.ProjectFile");
            var find = t?.GetMethod("Find", new[] { typeof(string) });
            var load = t?.GetMethod("Load", new[] { typeof(string) });
            if (find?.Invoke(null, new object[] { directory }) is not string path || load is null) return Array.Empty<string>();
            var project = load.Invoke(null, new object[] { path });
            if (t!.GetProperty("IncludeGroups")?.GetValue(project) is IDictionary groups)
                return groups.Keys.Cast<object>().Select(k => k.ToString()!).OrderBy(k => k, StringComparer.Ordinal).ToArray();
        }
        catch (Exception) { }
        return Array.Empty<string>();
    }
}
