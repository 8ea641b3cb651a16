using System.Management.Automation;
using R2Sync.Engine.Planning;

namespace R2Sync.PowerShell.Hosting;

/// <summary>
/// Reads a plan item from a pipeline object by property name: a live PlanItem, or one that went through
/// Export-Clixml/Import-Clixml. Refuses items whose paths do not agree (a hand-edited item cannot escape the root).
/// </summary>
internal static class PlanItemReader
{
    public static bool TryRead(PSObject o, out PlanItem? item, out string? problem)
    {
        item = null;
        problem = null;
        if (o.BaseObject is PlanItem live)
        {
            item = live;
        }
        else
        {
            try
            {
                item = new PlanItem
                {
                    Action = Get<SyncAction>(o, "Action"),
                    Reason = Get<SyncReason>(o, "Reason"),
                    Direction = Get<SyncDirection>(o, "Direction"),
                    RelativePath = Get<string>(o, "RelativePath"),
                    Key = Get<string>(o, "Key"),
                    Size = Get<long>(o, "Size"),
                    LocalPath = Get<string>(o, "LocalPath"),
                    LocalSize = GetOptional<long?>(o, "LocalSize"),
                    RemoteSize = GetOptional<long?>(o, "RemoteSize"),
                    LocalLastWriteUtc = GetOptional<DateTime?>(o, "LocalLastWriteUtc"),
                    RemoteETag = GetOptional<string?>(o, "RemoteETag"),
                    Bucket = GetOptional<string?>(o, "Bucket"),
                };
            }
            catch (Exception e) when (e is PSInvalidCastException or ArgumentException or InvalidCastException)
            {
                problem = $"The input is not a plan item: {e.Message}";
                return false;
            }
        }
        var rel = item.RelativePath;
        var bad = KeyPaths.Validate(rel);
        if (bad is not null) { problem = $"The plan item '{rel}' is not valid: {bad}."; return false; }
        if (!item.Key.EndsWith(rel, StringComparison.Ordinal)) { problem = $"The plan item's Key '{item.Key}' does not end with its RelativePath '{rel}'."; return false; }
        var localRel = Path.DirectorySeparatorChar == '/' ? rel : rel.Replace('/', Path.DirectorySeparatorChar);
        if (!item.LocalPath.EndsWith(Path.DirectorySeparatorChar + localRel, StringComparison.Ordinal))
        { problem = $"The plan item's LocalPath '{item.LocalPath}' does not end with its RelativePath '{rel}'."; return false; }
        if (item.Action == SyncAction.Upload && item.Direction != SyncDirection.Push || item.Action == SyncAction.Download && item.Direction != SyncDirection.Pull)
        { problem = $"The plan item '{rel}' has Action {item.Action} with Direction {item.Direction}."; return false; }
        return true;
    }

    private static T Get<T>(PSObject o, string name)
    {
        var p = o.Properties[name] ?? throw new ArgumentException($"it has no {name} property");
        return LanguagePrimitives.ConvertTo<T>(p.Value);
    }

    private static T? GetOptional<T>(PSObject o, string name)
    {
        var p = o.Properties[name];
        return p?.Value is null ? default : LanguagePrimitives.ConvertTo<T>(p.Value);
    }
}
