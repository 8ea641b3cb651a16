using System.Management.Automation;

namespace R2Sync.PowerShell.Hosting;

/// <summary>Whether anyone can answer a prompt: a terminal on stdin, an interactive host, no -NonInteractive.</summary>
internal static class Interactivity
{
    public static bool CanPrompt(PSCmdlet cmdlet)
    {
        if (Console.IsInputRedirected || !Environment.UserInteractive) return false;
        if (Environment.GetCommandLineArgs().Any(a => a.Equals("-NonInteractive", StringComparison.OrdinalIgnoreCase) || a.Equals("-noni", StringComparison.OrdinalIgnoreCase)))
            return false;
        return cmdlet.Host?.UI is not null && cmdlet.Host.Name != "Default Host";
    }
}
