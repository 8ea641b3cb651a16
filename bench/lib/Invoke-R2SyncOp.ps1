#requires -Version 7.0
<#
.SYNOPSIS
  One R2Sync operation, run by Invoke-Bench.ps1 in its own `dotnet pwsh -NoProfile` process
  so that its wall time, CPU and memory can be measured from outside.
  Writes a JSON result (summary counters, R2Sync's own Duration, in-process timings) to -ResultFile.
  Credentials/endpoint come from the environment: R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY,
  R2_ENDPOINT, R2_BUCKET_NAME.
#>
param(
    [Parameter(Mandatory)][ValidateSet('Bare', 'Startup', 'Push', 'Pull', 'Plan')][string]$Op,
    [Parameter(Mandatory)][string]$ResultFile,
    [string]$ModulePath,
    [string]$Path,
    [string]$Prefix = 'experiments/',
    [string]$Mode = 'Full',
    [ValidateSet('Push', 'Pull')][string]$Direction = 'Push',
    [int]$Transfers = 0,
    [int]$Checkers = 0,
    [string]$Endpoint
)
$ErrorActionPreference = 'Stop'
$result = [ordered]@{ Op = $Op; Ok = $false }
$sw = [System.Diagnostics.Stopwatch]::StartNew()
try {
    if ($Op -eq 'Bare') { $result.Ok = $true; return }
    Import-Module $ModulePath
    $result.ImportSec = [math]::Round($sw.Elapsed.TotalSeconds, 3)
    $result.ModuleVersion = "$((Get-Module R2Sync).Version)"
    if ($Op -eq 'Startup') {
        # The issue-7 start-up figure: Import-Module plus a no-op Fast push of an empty tree (local-folder
        # backend, so no server is in the way). Counted in this process's wall time.
        $tmp = Join-Path ([System.IO.Path]::GetTempPath()) "r2sync-startup-$PID"
        $null = New-Item -ItemType Directory -Force (Join-Path $tmp 'empty'), (Join-Path $tmp 'store/bench')
        try {
            $t0 = $sw.Elapsed.TotalSeconds
            $s = Push-R2Experiment -Path (Join-Path $tmp 'empty') -Endpoint "file://$tmp/store" -Bucket bench -Confirm:$false
            $result.OpSec = [math]::Round($sw.Elapsed.TotalSeconds - $t0, 3)
            $result.Ok = $s.Failed -eq 0 -and $s.Uploaded -eq 0
        }
        finally { Remove-Item -Recurse -Force $tmp -ErrorAction SilentlyContinue }
        return
    }

    $common = @{ Path = $Path; Prefix = $Prefix; Mode = $Mode }
    if ($Transfers -gt 0) { $common.Transfers = $Transfers }
    if ($Checkers -gt 0) { $common.Checkers = $Checkers }
    $t0 = $sw.Elapsed.TotalSeconds
    switch ($Op) {
        'Push' { $out = @(Push-R2Experiment @common -Confirm:$false) }
        'Pull' { $out = @(Receive-R2Experiment @common -Confirm:$false) }
        'Plan' {
            $planArgs = @{ Path = $Path; Prefix = $Prefix; Mode = $Mode; Direction = $Direction }
            if ($Endpoint) { $planArgs.Endpoint = $Endpoint }
            $items = [System.Collections.Generic.List[object]]::new()
            Get-R2SyncPlan @planArgs | ForEach-Object { $items.Add($_) }
            $result.PlanItems = $items.Count
            $actionProp = @('Action', 'Operation', 'Kind') |
                Where-Object { $items.Count -and $items[0].PSObject.Properties[$_] } | Select-Object -First 1
            if ($actionProp) {
                $byAction = [ordered]@{}
                $items | Group-Object -Property $actionProp | Sort-Object Name |
                    ForEach-Object { $byAction[$_.Name] = $_.Count }
                $result.PlanByAction = $byAction
            }
            $out = @()
        }
    }
    $result.OpSec = [math]::Round($sw.Elapsed.TotalSeconds - $t0, 3)
    $summary = $out | Where-Object { $_ -and $_.PSObject.Properties['Duration'] } | Select-Object -Last 1
    if ($summary) {
        foreach ($p in 'Uploaded', 'Downloaded', 'Deleted', 'Skipped', 'Failed', 'Bytes') {
            if ($summary.PSObject.Properties[$p]) { $result[$p] = $summary.$p }
        }
        $d = $summary.Duration
        $result.DurationSec = if ($d -is [TimeSpan]) { [math]::Round($d.TotalSeconds, 3) } else { "$d" }
    }
    $result.Ok = -not ($summary -and $summary.PSObject.Properties['Failed'] -and $summary.Failed -gt 0)
}
catch {
    $result.Error = "$($_.Exception.GetType().Name): $($_.Exception.Message)"
    $global:LASTEXITCODE = 1
}
finally {
    $result.TotalSec = [math]::Round($sw.Elapsed.TotalSeconds, 3)
    $result | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $ResultFile -Encoding utf8
}
if (-not $result.Ok) { exit 1 }
