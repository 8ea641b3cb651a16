#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, demonstrates and benchmarks R2Sync.
.DESCRIPTION
    Tasks are plain PowerShell functions; no build framework.
      Build    lay out the importable module at out/R2Sync
      Test     build, start moto on a free loopback port, run xunit and Pester against it, print one closing
               line per suite ("xunit: N passed, N failed", "pester: N passed, N failed"), exit non-zero on failure
      Demo     the main job against a local endpoint: generate a tree, push, mutate, plan, push again
      Bench    run bench/Invoke-Bench.ps1 (extra arguments are passed on by name), then bench/Measure-ChecksumPlan.ps1
               (-Files, -Seed, -OutDir shared; -SkipChecksumPlan leaves it out)
      Clean    remove build output
      Package  build, then write out/package/R2Sync.<version>.nupkg (installable from a local repository folder)
      Install  package, then install it for the current user with Install-PSResource
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Clean', 'Package', 'Install')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    # Pester: run only test files whose name matches this wildcard.
    [string] $PesterFilter = '*',
    # xunit: a dotnet test --filter expression.
    [string] $XunitFilter,
    [Parameter(ValueFromRemainingArguments)]
    [object[]] $Rest
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'R2Sync'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

Import-Module (Join-Path $Root 'tools/BuildTools.psm1') -Force

function Invoke-Build {
    Write-Host "== Build ($Configuration)"
    $publish = Join-Path $Out 'publish'
    if (Test-Path $publish) { Remove-Item $publish -Recurse -Force }
    Invoke-Native dotnet publish (Join-Path $Root 'src/R2Sync.PowerShell/R2Sync.PowerShell.csproj') -c $Configuration -o $publish --nologo -v quiet
    Invoke-Native dotnet publish (Join-Path $Root 'src/R2Sync.PowerShell/Loader/R2Sync.Loader.csproj') -c $Configuration -o (Join-Path $publish 'loader') --nologo -v quiet
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $deps = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'Dependencies') -Force
    Copy-Item (Join-Path $publish 'R2Sync.PowerShell.dll'), (Join-Path $publish 'loader/R2Sync.Loader.dll') $ModuleOut
    Get-ChildItem $publish -Filter *.dll | Where-Object Name -NotIn 'R2Sync.PowerShell.dll', 'R2Sync.Loader.dll', 'System.Management.Automation.dll' |
        Copy-Item -Destination $deps
    Copy-Item (Join-Path $Root 'R2Sync.psd1') $ModuleOut
    Get-ChildItem (Join-Path $Root 'src/R2Sync.PowerShell') -Filter *.ps1xml -ErrorAction SilentlyContinue | Copy-Item -Destination $ModuleOut
    if (Test-Path (Join-Path $Root 'tools/Build-Help.ps1')) { & (Join-Path $Root 'tools/Build-Help.ps1') -ModuleOut $ModuleOut }
    Write-Host "   module laid out at $ModuleOut"
}

function Invoke-Test {
    Invoke-Build
    Write-Host '== Restore test tools (Pester from NuGet)'
    Invoke-Native dotnet restore (Join-Path $Root 'tools/restore-tools.csproj') --nologo -v quiet
    Invoke-Native dotnet build (Join-Path $Root 'tests/Unit/R2Sync.Tests.csproj') -c $Configuration --nologo -v quiet
    $moto = Start-Moto
    $results = Join-Path $Out 'test-results'
    New-Item -ItemType Directory -Path $results -Force | Out-Null
    $failed = $false
    try {
        $env:R2SYNC_TEST_ENDPOINT = $moto.Endpoint
        Write-Host "== xunit (moto at $($moto.Endpoint))"
        $trx = Join-Path $results 'xunit.trx'
        if (Test-Path $trx) { Remove-Item $trx }
        $testArgs = @('test', (Join-Path $Root 'tests/Unit/R2Sync.Tests.csproj'), '-c', $Configuration, '--no-build', '--nologo',
            '--logger', "trx;LogFileName=$trx", '--logger', 'console;verbosity=minimal')
        if ($XunitFilter) { $testArgs += @('--filter', $XunitFilter) }
        & dotnet @testArgs
        $x = Read-TrxCounts $trx

        Write-Host "== Pester (moto at $($moto.Endpoint))"
        $pesterJson = Join-Path $results 'pester.json'
        if (Test-Path $pesterJson) { Remove-Item $pesterJson }
        # The filter travels in the environment: pwsh on Unix would glob a bare '*' argument of a native command.
        $env:R2SYNC_PESTER_FILTER = $PesterFilter
        & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1') `
            -ModulePath (Join-Path $ModuleOut 'R2Sync.psd1') -Endpoint $moto.Endpoint -ResultPath $pesterJson
        $p = if (Test-Path $pesterJson) { Get-Content $pesterJson -Raw | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1 } }
    }
    finally {
        Stop-Moto $moto
        Remove-Item Env:R2SYNC_TEST_ENDPOINT -ErrorAction SilentlyContinue
    }
    Write-Host "xunit: $($x.Passed) passed, $($x.Failed) failed"
    Write-Host "pester: $($p.Passed) passed, $($p.Failed) failed"
    if ($x.Failed -gt 0 -or $x.Passed -eq 0 -or $p.Failed -gt 0 -or $p.Passed -eq 0) { $failed = $true }
    if ($failed) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    & (Join-Path $Root 'tools/Invoke-Demo.ps1') -ModulePath (Join-Path $ModuleOut 'R2Sync.psd1')
    if (-not $?) { exit 1 }
}

function Invoke-Bench {
    Invoke-Build
    $script = Join-Path $Root 'bench/Invoke-Bench.ps1'
    if (-not (Test-Path $script)) { throw "bench/Invoke-Bench.ps1 is missing." }
    $benchArgs = ConvertTo-NamedArguments $Rest
    # -SkipChecksumPlan: only the side-by-side bench; otherwise the Checksum-vs-Full plan bench (issue 4) follows it.
    $skipChecksumPlan = $benchArgs.ContainsKey('SkipChecksumPlan'); $benchArgs.Remove('SkipChecksumPlan')
    if (-not $benchArgs.ContainsKey('ModulePath')) { $benchArgs.ModulePath = Join-Path $ModuleOut 'R2Sync.psd1' }
    & $script @benchArgs
    if (-not $skipChecksumPlan) {
        $ck = @{ Module = $benchArgs.ModulePath }
        foreach ($n in 'Files', 'Seed', 'OutDir') { if ($benchArgs.ContainsKey($n)) { $ck[$n] = $benchArgs[$n] } }
        Write-Host '== Checksum plan vs Full plan (hash cache)'
        & (Join-Path $Root 'bench/Measure-ChecksumPlan.ps1') @ck
    }
}

# Remaining arguments ('-Files', '500', '-SkipRclone', '-Cases:a,b') as a hashtable to splat by name: splatting the
# array itself would pass '-Files' as a positional value to a script.
function ConvertTo-NamedArguments([object[]] $Arguments) {
    $named = @{}
    $i = 0
    while ($i -lt @($Arguments).Count) {
        $token = $Arguments[$i]
        if ($token -isnot [string] -or $token -notmatch '^-([A-Za-z][\w]*)(:(.*))?$') {
            throw "Unexpected argument '$token': pass bench options by name, e.g. -Files 500."
        }
        $name = $Matches[1]
        if ($Matches[2]) { $named[$name] = $Matches[3]; $i++; continue }
        $next = if ($i + 1 -lt @($Arguments).Count) { $Arguments[$i + 1] } else { $null }
        if ($null -eq $next -or ($next -is [string] -and $next -match '^-[A-Za-z]')) { $named[$name] = $true; $i++ }
        else { $named[$name] = $next; $i += 2 }
    }
    $named
}

function Invoke-Clean {
    foreach ($d in @($Out) + (Get-ChildItem $Root -Recurse -Directory -Include bin, obj -ErrorAction SilentlyContinue | ForEach-Object FullName)) {
        if (Test-Path $d) { Remove-Item $d -Recurse -Force }
    }
    Write-Host 'clean'
}

function Invoke-Package {
    Invoke-Build
    Import-Module (Join-Path $Root 'tools/Package.psm1') -Force
    $pkg = New-R2SyncPackage -ModuleDir $ModuleOut -Destination (Join-Path $Out 'package')
    Write-Host "   package: $($pkg.FullName)"
    $pkg
}

function Invoke-Install {
    $pkg = Invoke-Package
    $installed = Install-R2SyncPackage -PackageDir $pkg.DirectoryName
    Write-Host "   installed R2Sync $($installed.Version) for the current user at $($installed.InstalledLocation)"
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
    'Clean' { Invoke-Clean }
    'Package' { $null = Invoke-Package }
    'Install' { Invoke-Install }
    default { throw "Task $Task is not implemented yet." }
}
