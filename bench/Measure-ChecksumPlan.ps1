#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Checksum plan vs Full plan: what the hash cache buys (issue 4). Not a test: it prints and writes a result.
.DESCRIPTION
    Generates a tree with ../shared/bench/gen-experiments.py, pushes it to a bucket (a moto it starts itself,
    unless -Endpoint names another S3 endpoint), then times Get-R2SyncPlan:
      Full                       (sizes only)                           -Runs times, median
      Checksum, cold             (empty hash cache: every file is read) once
      Checksum, warm             (cache from the cold run: no file read) -Runs times, median
    and reports warm/Full (the issue asks for at most 1.3) and the files each Checksum plan read.
    The hash cache lives in a temporary R2SYNC_CACHE_DIR, never in the user's cache folder.
.EXAMPLE
    dotnet pwsh -NoProfile ./build.ps1 -Task Build; dotnet pwsh -NoProfile bench/Measure-ChecksumPlan.ps1 -Files 26000
#>
param(
    [int] $Files = 26000,
    [int] $Seed = 0,
    [int] $Runs = 3,
    [string] $Endpoint,
    [string] $Module = (Join-Path $PSScriptRoot '../out/R2Sync/R2Sync.psd1'),
    [string] $OutDir = (Join-Path $PSScriptRoot 'results')
)
$ErrorActionPreference = 'Stop'
$repo = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
Import-Module (Join-Path $repo 'tools/BuildTools.psm1') -Force
if (-not (Test-Path $Module)) { throw "The module is not built at $Module; run ./build.ps1 -Task Build first." }
Import-Module $Module -Force

$work = Join-Path ([IO.Path]::GetTempPath()) ("r2sync-ckbench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Path $work -Force | Out-Null
$env:R2SYNC_CACHE_DIR = Join-Path $work 'cache'
$moto = $null
try {
    if (-not $Endpoint) { $moto = Start-Moto; $Endpoint = $moto.Endpoint }
    $bucket = 'ckbench-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    New-MotoBucket -Endpoint $Endpoint -Name $bucket
    $env:R2_ENDPOINT = $Endpoint; $env:R2_BUCKET_NAME = $bucket
    if (-not $env:R2_ACCESS_KEY_ID) { $env:R2_ACCESS_KEY_ID = 'bench'; $env:R2_SECRET_ACCESS_KEY = 'bench-secret' }

    Write-Host "Generating $Files files (seed $Seed) ..."
    $null = & python3 (Join-Path $repo '../shared/bench/gen-experiments.py') --root $work --files $Files --seed $Seed
    if ($LASTEXITCODE -ne 0) { throw 'gen-experiments.py failed' }
    $tree = Join-Path $work 'experiments'
    Write-Host "Pushing to $Endpoint/$bucket ..."
    $push = Push-R2Experiment -Path $tree -Transfers 32
    if ($push.Failed) { throw "the setup push had $($push.Failed) failures" }
    Write-Host "  $($push.Uploaded) objects in $([math]::Round($push.Duration.TotalSeconds, 1)) s"

    function Measure-Plan([string] $Mode) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $out = Get-R2SyncPlan -Path $tree -Mode $Mode -Verbose 4>&1
        $sw.Stop()
        $items = @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Count
        $read = ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match '; (\d+) local file\(s\) read' } |
            Select-Object -First 1 | ForEach-Object { [int]$Matches[1] })
        [pscustomobject]@{ Seconds = $sw.Elapsed.TotalSeconds; Items = $items; FilesRead = $read }
    }
    function Median([double[]] $x) { $s = $x | Sort-Object; $s[[int][math]::Floor(($s.Count - 1) / 2)] }

    $null = Measure-Plan Full   # warm-up: JIT, page cache of the directory tree
    $full = 1..$Runs | ForEach-Object { Measure-Plan Full }
    Remove-Item (Join-Path $env:R2SYNC_CACHE_DIR '*') -Force -ErrorAction SilentlyContinue
    $cold = Measure-Plan Checksum
    $warm = 1..$Runs | ForEach-Object { Measure-Plan Checksum }
    $fullS = Median ($full.Seconds); $warmS = Median ($warm.Seconds)
    $ratio = $warmS / $fullS
    $cpu = (Get-Content /proc/cpuinfo -ErrorAction SilentlyContinue | Select-String '^model name' | Select-Object -First 1) -replace '^.*:\s*', ''
    $md = @"
# Checksum plan vs Full plan ($Files files, seed $Seed)

$(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC, $([Environment]::ProcessorCount) cores ($cpu), endpoint: $(if ($moto) { 'local moto' } else { $Endpoint }).
$($push.LocalFiles) local files in scope (after default excludes), $($push.Uploaded) objects. Median of $Runs runs where noted.

| Plan | Seconds | Files read to hash | Planned items |
|---|---:|---:|---:|
| Full (median) | $('{0:N2}' -f $fullS) | - | $($full[0].Items) |
| Checksum, cold cache | $('{0:N2}' -f $cold.Seconds) | $($cold.FilesRead) | $($cold.Items) |
| Checksum, warm cache (median) | $('{0:N2}' -f $warmS) | $($warm[0].FilesRead) | $($warm[0].Items) |

**Warm Checksum / Full = $('{0:N2}' -f $ratio)** (target: at most 1.30). All runs: Full $(($full.Seconds | ForEach-Object { '{0:N2}' -f $_ }) -join ', ') s;
warm Checksum $(($warm.Seconds | ForEach-Object { '{0:N2}' -f $_ }) -join ', ') s. The cold run reads files the setup just wrote,
so they are in the page cache: on a cold disk it is slower.
"@
    Write-Host $md
    New-Item -ItemType Directory -Path $OutDir -Force | Out-Null
    $file = Join-Path $OutDir "checksum-plan-$Files.md"
    Set-Content -Path $file -Value $md
    Write-Host "Written to $file"
}
finally {
    Stop-Moto $moto
    foreach ($n in 'R2_ENDPOINT', 'R2_BUCKET_NAME') { Remove-Item "Env:$n" -ErrorAction SilentlyContinue }
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
