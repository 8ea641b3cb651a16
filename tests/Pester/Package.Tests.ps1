#Requires -Version 7.4
# The package build.ps1 -Task Package/Install produce: a .nupkg PSResourceGet installs from a local folder.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../tools/Package.psm1') -Force
    $script:moduleDir = Split-Path $env:R2SYNC_TEST_MODULE -Parent
}

Describe 'Module manifest' {
    It 'passes Test-ModuleManifest and carries version, description, tags and CompatiblePSEditions Core' {
        $m = Test-ModuleManifest -Path $env:R2SYNC_TEST_MODULE -ErrorAction Stop
        $m.Version | Should -BeGreaterThan ([version]'0.0.0')
        $m.Description | Should -Not -BeNullOrEmpty
        $m.Tags | Should -Contain 'R2'
        $m.CompatiblePSEditions | Should -Be @('Core')
        $m.ExportedCmdlets.Keys | Should -Contain 'Initialize-R2Sync'
        $m.ExportedCmdlets.Keys | Should -Contain 'Get-R2SyncConfiguration'
    }
}

Describe 'Package and install' {
    It 'installs from a local repository folder for the current user of a clean HOME, and the cmdlets load' {
        $repo = Join-Path $TestDrive 'repo'
        $pkg = New-R2SyncPackage -ModuleDir $script:moduleDir -Destination $repo
        $pkg.Name | Should -Match '^R2Sync\.\d+\.\d+\.\d+\.nupkg$'
        $h = Join-Path $TestDrive 'home'
        New-Item -ItemType Directory -Path $h | Out-Null
        $tools = (Resolve-Path (Join-Path $PSScriptRoot '../../tools/Package.psm1')).Path
        $r = Invoke-CleanPwsh -Environment @{ HOME = $h } -WorkingDirectory $h -PSModulePath (Join-Path $h 'none') -Command @"
Import-Module '$tools'
`$null = Install-R2SyncPackage -PackageDir '$repo'
Import-Module R2Sync -ErrorAction Stop
'PATH=' + (Get-Module R2Sync).ModuleBase
'CMDS=' + ((Get-Command -Module R2Sync -CommandType Cmdlet).Name -join ',')
'REPOS=' + ((Get-PSResourceRepository).Name -join ',')
"@
        $r.ExitCode | Should -Be 0 -Because $r.Err
        $r.Out | Should -Match ([regex]::Escape("PATH=$h/.local/share/powershell/Modules/R2Sync/"))
        $r.Out | Should -Match 'CMDS=.*Receive-R2Experiment'
        $r.Out | Should -Match 'CMDS=.*Initialize-R2Sync'
        $r.Out | Should -Not -Match 'REPOS=.*R2SyncLocal' -Because 'the temporary repository registration is removed'
    }
}
