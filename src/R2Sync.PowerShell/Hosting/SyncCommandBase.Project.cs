using System.Management.Automation;
using R2Sync.Engine.Configuration;
using R2Sync.Engine.Planning;
using R2Sync.Engine.Sync;

namespace R2Sync.PowerShell.Hosting;

/// <summary>The project file's share of a sync cmdlet: include groups, extra excludes, per-mode counts, local root.</summary>
public abstract partial class SyncCommandBase
{
    /// <summary>Named groups from r2sync.json (includeGroups) to sync; every other group stays excluded.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? IncludeGroup { get; set; }

    private ProjectFile? _project;

    private string DefaultLocalRoot() => LocalRoot.DefaultFor(ReadEnvironment(), _project);

    private string[]? WithProjectExcludes(ProjectFile? project, string[]? exclude)
    {
        if (IncludeGroup is { Length: > 0 })
        {
            var known = project?.IncludeGroups?.Keys.ToArray() ?? Array.Empty<string>();
            foreach (var g in IncludeGroup)
            {
                if (!known.Contains(g, StringComparer.OrdinalIgnoreCase))
                {
                    var where = project?.SourcePath is { } p ? $"{p} defines {(known.Length == 0 ? "no include groups" : string.Join(", ", known))}" : "no r2sync.json project file was found";
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException($"Unknown include group '{g}': {where}."),
                        ErrorIds.UnknownIncludeGroup, ErrorCategory.InvalidArgument, g));
                }
            }
        }
        if (project is null) return exclude;
        var list = new List<string>(project.ExcludesFor(IncludeGroup));
        if (exclude is not null) list.AddRange(exclude);
        return list.ToArray();
    }

    private static (int, int) ProjectModeDefaults(ProjectFile? project, SyncMode mode, SyncDirection direction)
    {
        var (t, c) = ModeDefaults.For(mode, direction);
        if (project is null) return (t, c);
        var (pt, pc) = project.ForMode(mode.ToString(), direction == SyncDirection.Pull);
        return (pt > 0 ? pt : t, pc > 0 ? pc : c);
    }
}
