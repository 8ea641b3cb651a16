#!/usr/bin/env pwsh
# Railway start: pull the experiments into the volume, then start the app (the arguments, if any).
#   Start command:  pwsh -NonInteractive -File /app/start.ps1 python serve.py
# Settings come from the service's variables: R2_ENDPOINT, R2_BUCKET_NAME, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY
# (optional R2_PREFIX). With a volume attached, Railway sets RAILWAY_VOLUME_MOUNT_PATH and the pull lands in
# $RAILWAY_VOLUME_MOUNT_PATH/experiments; a restart downloads only what is new (one listing when nothing is).
# R2SYNC_EXPERIMENTS (comma-separated experiment folder names) limits what a small service pulls.
$ErrorActionPreference = 'Stop'
$pull = @{}
if ($env:R2SYNC_EXPERIMENTS) { $pull.Experiment = @($env:R2SYNC_EXPERIMENTS -split ',' | ForEach-Object Trim | Where-Object { $_ }) }
$summary = Receive-R2Experiment @pull
Write-Host "R2Sync: $summary"
if ($args.Count -gt 0) {
    $app, $rest = $args
    & $app @rest
    exit $LASTEXITCODE
}
