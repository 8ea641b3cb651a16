using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace R2Sync.Loader;

/// <summary>
/// Loads the engine and everything it depends on (AWSSDK, globbing) from the Dependencies folder into a
/// private AssemblyLoadContext, so R2Sync works beside modules that loaded other versions of the same
/// assemblies (AWS.Tools loads AWSSDK.Core 3.7). Only R2Sync.Engine is resolved into the default context's view.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    // The loader sits beside R2Sync.PowerShell.dll; the engine and its dependencies are in Dependencies/.
    private static readonly string DependencyFolder =
        Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "Dependencies");

    private static readonly DependencyLoadContext Context = new(DependencyFolder);

    private static int _registered;

    /// <summary>Registers the engine resolver (idempotent).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
    }

    public void OnImport() => Register();

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        if (Interlocked.Exchange(ref _registered, 0) == 1)
            AssemblyLoadContext.Default.Resolving -= ResolveEngine;
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name) =>
        name.Name == "R2Sync.Engine" ? Context.LoadFromAssemblyName(name) : null;

    private sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private readonly string _folder;

        public DependencyLoadContext(string folder) : base("R2Sync", isCollectible: false) => _folder = folder;

        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(_folder, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
