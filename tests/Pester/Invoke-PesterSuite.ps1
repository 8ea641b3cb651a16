#!/usr/bin/env pwsh
# Runs the Pester suite against a running S3 endpoint (moto) and writes {Passed, Failed} to -ResultPath.
# Called by build.ps1 -Task Test in a fresh pwsh, so the module under test loads into a clean process.
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $Endpoint,
    [Parameter(Mandatory)][string] $ResultPath,
    [string] $Filter = $(if ($env:R2SYNC_PESTER_FILTER) { $env:R2SYNC_PESTER_FILTER } else { '*' })
)
$ErrorActionPreference = 'Stop'
$pesterVersion = '5.7.1'
$nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
$pester = Join-Path $nugetRoot "pester/$pesterVersion/tools/Pester.psd1"
if (-not (Test-Path $pester)) { throw "Pester $pesterVersion is not restored at $pester; run 'dotnet restore tools/restore-tools.csproj'." }
Import-Module $pester -RequiredVersion $pesterVersion -Force

$env:R2SYNC_TEST_ENDPOINT = $Endpoint
# Saved user settings and profiles must come from the tests, never from the real ~/.config or ~/.aws.
$isolated = Join-Path ([IO.Path]::GetTempPath()) ('r2sync-pester-config-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Path $isolated -Force | Out-Null
$env:XDG_CONFIG_HOME = Join-Path $isolated 'config'
$env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $isolated 'aws/credentials'
$env:RCLONE_CONFIG = Join-Path $isolated 'rclone.conf'
$env:R2SYNC_TEST_MODULE = (Resolve-Path $ModulePath).Path
# The hash cache of every test run lives in a throw-away folder, never in the user's ~/.cache.
if (-not $env:R2SYNC_CACHE_DIR) { $env:R2SYNC_CACHE_DIR = Join-Path ([IO.Path]::GetTempPath()) "r2sync-test-cache-$PID" }

$config = New-PesterConfiguration
$config.Run.Path = @(Get-ChildItem $PSScriptRoot -Filter "$Filter.Tests.ps1" | ForEach-Object FullName)
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Output.RenderMode = 'Plaintext'
$config.Should.ErrorAction = 'Continue'
$result = Invoke-Pester -Configuration $config
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
} | ConvertTo-Json | Set-Content -Path $ResultPath
