@{
    RootModule           = 'R2Sync.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f7a3e-8d0c-4b8e-9a57-2f1e6c3d9a41'
    Author               = 'R2Sync contributors'
    CompanyName          = 'R2Sync'
    Copyright            = '(c) R2Sync contributors. MIT License.'
    Description          = 'Keeps a local experiments folder in sync with a Cloudflare R2 bucket or any S3-compatible store: push and pull in Fast, Copy, Full and Checksum modes, plans as pipeline objects, one parallel transfer engine.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    NestedModules        = @('R2Sync.Loader.dll')
    FormatsToProcess     = @()
    CmdletsToExport      = @(
        'Push-R2Experiment'
        'Receive-R2Experiment'
        'Sync-R2Experiment'
        'Get-R2SyncPlan'
        'Test-R2Connection'
        'Initialize-R2Sync'
        'Get-R2SyncConfiguration'
    )
    AliasesToExport      = @('Pull-R2Experiment')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('R2', 'S3', 'Cloudflare', 'sync', 'rclone', 'experiments', 'ML', 'Linux', 'MacOS')
            ProjectUri = 'https://example.invalid/r2sync'
        }
    }
}
