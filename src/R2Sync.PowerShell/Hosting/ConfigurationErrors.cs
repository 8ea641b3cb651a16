using System.Management.Automation;
using R2Sync.Engine.Configuration;
using R2Sync.Engine.Sync;

namespace R2Sync.PowerShell.Hosting;

internal static class ConfigurationErrors
{
    public static ErrorRecord ProjectFile(ProjectFileException e) =>
        new(e, ErrorIds.InvalidProjectFile, ErrorCategory.ParserError, e.FilePath)
        {
            ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = $"Fix {e.FilePath}{(e.Line is { } l ? $" at line {l}" : "")}, or write a fresh one with Initialize-R2Sync -ProjectFile -Force." },
        };
}
