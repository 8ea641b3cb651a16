#!/usr/bin/env pwsh
# The main job on a local endpoint: no credentials, no network. Starts moto, generates a ~2,000-file tree,
# pushes it, mutates it, shows the plan, pushes again, and prints each run's summary. Leaves nothing running.
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [int] $Files = 2000
)
$ErrorActionPreference = 'Stop'
$repo = Split-Path $PSScriptRoot -Parent
Import-Module (Join-Path $PSScriptRoot 'BuildTools.psm1') -Force
$generator = Join-Path $repo '../shared/bench/gen-experiments.py'
if (-not (Test-Path $generator)) { throw "The tree generator is missing: $generator" }
$work = Join-Path ([IO.Path]::GetTempPath()) ("r2sync-demo-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$moto = $null
try {
    Write-Host "== Starting a local S3 endpoint (moto)"
    $moto = Start-Moto
    New-MotoBucket -Endpoint $moto.Endpoint -Name 'research'
    # What a researcher's .env holds, pointed at the local endpoint.
    $env:R2_ENDPOINT = $moto.Endpoint
    $env:R2_BUCKET_NAME = 'research'
    $env:R2_ACCESS_KEY_ID = 'demo-access-key'
    $env:R2_SECRET_ACCESS_KEY = 'demo-secret-key'

    Write-Host "== Generating $Files files under $work/experiments"
    & python3 $generator --root $work --files $Files --seed 0
    $experiments = Join-Path $work 'experiments'

    Import-Module $ModulePath -Force
    Write-Host "`n== Push-R2Experiment (Fast: the daily push)"
    Push-R2Experiment -Path $experiments | Out-Host   # the summary's default view

    Write-Host "== Mutating 5% of the tree (new, same-size edits, resized, deleted files)"
    & python3 $generator --root $work --mutate 0.05 --seed 1

    Write-Host "`n== Get-R2SyncStatus (one row per experiment: what each mode would move)"
    Get-R2SyncStatus -Path $experiments | Format-Table | Out-String -Width 140 | Out-Host

    Write-Host "`n== Get-R2SyncPlan -Mode Checksum (what a full checksum sync would do)"
    $plan = @(Get-R2SyncPlan -Path $experiments -Mode Checksum)
    $plan | Group-Object Action, Reason -NoElement | Sort-Object Name | Format-Table Count, Name -AutoSize | Out-Host
    $plan | Select-Object -First 12 | Out-String -Width 140 | Out-Host   # the module's default view: readable sizes

    Write-Host "== Push-R2Experiment -Checksum (uploads new and changed files, deletes what was deleted locally)"
    Push-R2Experiment -Path $experiments -Checksum -Confirm:$false | Out-Host

    Write-Host "== A second push finds nothing to do"
    Push-R2Experiment -Path $experiments -Checksum -Confirm:$false | Format-List Uploaded, Deleted, Skipped, Failed | Out-Host

    Write-Host "== Receive-R2Experiment into a new machine's folder"
    $pulled = Join-Path $work 'new-machine/experiments'
    Receive-R2Experiment -Path $pulled | Out-Host
}
finally {
    Stop-Moto $moto
    foreach ($n in 'R2_ENDPOINT', 'R2_BUCKET_NAME', 'R2_ACCESS_KEY_ID', 'R2_SECRET_ACCESS_KEY') { Remove-Item "Env:$n" -ErrorAction SilentlyContinue }
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
