@{
    # NOT R2Sync. A stand-in that implements the R2Sync cmdlet contract by calling rclone,
    # only so that bench/Invoke-Bench.ps1's R2Sync code path can be tested before the real
    # module exists:  ./bench/Invoke-Bench.ps1 -Files 500 -ModulePath bench/selftest/R2SyncStub/R2Sync.psd1
    RootModule        = 'R2Sync.psm1'
    ModuleVersion     = '0.0.0'
    GUID              = '6f0f3d3e-8d1e-4a55-9a51-5b0c1b3e0000'
    Author            = 'bench self-test stub'
    Description       = 'Harness self-test stub of the R2Sync contract (delegates to rclone). Not the product.'
    PowerShellVersion = '7.0'
    FunctionsToExport = @('Push-R2Experiment', 'Receive-R2Experiment', 'Get-R2SyncPlan')
}
