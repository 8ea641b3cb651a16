# Packaging of the laid-out module (out/R2Sync) as a .nupkg that Install-PSResource / Install-Module accept from a
# local repository folder. Used by build.ps1 -Task Package/Install and by tests/Pester/Package.Tests.ps1.
Set-StrictMode -Version Latest

function New-R2SyncPackage {
    # Writes R2Sync.<version>.nupkg into -Destination and returns its FileInfo.
    param([Parameter(Mandatory)][string] $ModuleDir, [Parameter(Mandatory)][string] $Destination)
    $manifest = Join-Path $ModuleDir 'R2Sync.psd1'
    $null = Test-ModuleManifest -Path $manifest -ErrorAction Stop
    $version = (Import-PowerShellDataFile $manifest).ModuleVersion
    New-Item -ItemType Directory -Path $Destination -Force | Out-Null
    Get-ChildItem $Destination -Filter "R2Sync.$version.nupkg" | Remove-Item -Force
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    Compress-PSResource -Path $ModuleDir -DestinationPath $Destination -ErrorAction Stop
    Get-Item (Join-Path $Destination "R2Sync.$version.nupkg") -ErrorAction Stop
}

function Install-R2SyncPackage {
    # Installs R2Sync for the current user from the folder holding the .nupkg, through a temporary repository
    # registration that is removed again.
    param([Parameter(Mandatory)][string] $PackageDir)
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    $name = 'R2SyncLocal' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    Register-PSResourceRepository -Name $name -Uri $PackageDir -Trusted -ErrorAction Stop
    try {
        Install-PSResource -Name R2Sync -Repository $name -Scope CurrentUser -TrustRepository -Reinstall -ErrorAction Stop -PassThru
    }
    finally {
        Unregister-PSResourceRepository -Name $name -ErrorAction SilentlyContinue
    }
}

Export-ModuleMember -Function New-R2SyncPackage, Install-R2SyncPackage
