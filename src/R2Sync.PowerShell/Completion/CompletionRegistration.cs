using System.Management.Automation;
using System.Reflection;

namespace R2Sync.PowerShell.Completion;

/// <summary>
/// At import, registers <see cref="IncludeGroupCompleter"/> for every cmdlet of this module that has an -IncludeGroup
/// parameter without an [ArgumentCompleter] of its own, so the parameter completes wherever it is added. Costs
/// nothing when no cmdlet has the parameter; never fails the import.
/// </summary>
public sealed class CompletionRegistration : IModuleAssemblyInitializer
{
    public void OnImport()
    {
        try
        {
            var names = typeof(CompletionRegistration).Assembly.GetTypes()
                .Where(t => !t.IsAbstract && typeof(Cmdlet).IsAssignableFrom(t))
                .Select(t => (Type: t, Cmdlet: t.GetCustomAttribute<CmdletAttribute>()))
                .Where(x => x.Cmdlet is not null && x.Type.GetProperty("IncludeGroup") is { } p && p.GetCustomAttribute<ArgumentCompleterAttribute>() is null)
                .Select(x => x.Cmdlet!.VerbName + "-" + x.Cmdlet.NounName)
                .ToArray();
            if (names.Length == 0) return;
            using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            ps.AddCommand("Microsoft.PowerShell.Core\\Register-ArgumentCompleter")
              .AddParameter("CommandName", names)
              .AddParameter("ParameterName", "IncludeGroup")
              .AddParameter("ScriptBlock", ScriptBlock.Create(
                  "param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters) " +
                  "[R2Sync.PowerShell.Completion.IncludeGroupCompleter]::new().CompleteArgument($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)"));
            ps.Invoke();
        }
        catch (Exception)
        {
            // Completion is a convenience: an import must never fail for it.
        }
    }
}
