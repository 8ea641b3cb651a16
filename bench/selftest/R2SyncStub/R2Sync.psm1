# Harness self-test stub: implements the R2Sync cmdlet contract by delegating to rclone --fast-list.
$Excludes = @('--exclude', '**/activations/**', '--exclude', '**/val_activations/**', '--exclude', '**/inference/raw/**', '--copy-links')

function Get-StubRemote([string]$Prefix, [string]$Endpoint) {
    $ep = if ($Endpoint) { $Endpoint } else { $env:R2_ENDPOINT }
    if ($ep -like 'file://*') { return (Join-Path ([uri]$ep).LocalPath "$env:R2_BUCKET_NAME/$($Prefix.TrimEnd('/'))") }
    $env:RCLONE_CONFIG_STUB_TYPE = 's3'; $env:RCLONE_CONFIG_STUB_PROVIDER = 'Other'
    $env:RCLONE_CONFIG_STUB_ENDPOINT = $ep; $env:RCLONE_CONFIG_STUB_REGION = 'us-east-1'
    $env:RCLONE_CONFIG_STUB_ACCESS_KEY_ID = $env:R2_ACCESS_KEY_ID; $env:RCLONE_CONFIG_STUB_SECRET_ACCESS_KEY = $env:R2_SECRET_ACCESS_KEY
    $env:RCLONE_CONFIG_STUB_FORCE_PATH_STYLE = 'true'
    "stub:$env:R2_BUCKET_NAME/$($Prefix.TrimEnd('/'))"
}

function Invoke-StubRclone([string]$Mode, [string]$Src, [string]$Dst, [int]$Transfers, [int]$Checkers) {
    $verb, $flags = switch ($Mode) {
        'Fast' { 'copy', @('--ignore-existing') } 'Copy' { 'copy', @() }
        'Full' { 'sync', @('--size-only') } 'Checksum' { 'sync', @('--checksum') }
    }
    $a = @($verb, $Src, $Dst, '--fast-list', '-v') + $flags + $Excludes
    if ($Transfers) { $a += @('--transfers', "$Transfers") }
    if ($Checkers) { $a += @('--checkers', "$Checkers") }
    $ca = $env:AWS_CA_BUNDLE; $env:AWS_CA_BUNDLE = $null
    $sw = [Diagnostics.Stopwatch]::StartNew()
    try { $log = & rclone @a 2>&1 | ForEach-Object { "$_" } } finally { $env:AWS_CA_BUNDLE = $ca }
    $ok = $LASTEXITCODE -eq 0
    [pscustomobject]@{
        Uploaded = @($log | Where-Object { $_ -match ': Copied \(' }).Count; Downloaded = 0
        Deleted = @($log | Where-Object { $_ -match ': Deleted' }).Count; Skipped = 0
        Failed = if ($ok) { 0 } else { 1 }; Bytes = 0; Duration = $sw.Elapsed
    }
}

function Push-R2Experiment {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param([string]$Path, [string]$Prefix = 'experiments/', [string]$Mode = 'Fast', [int]$Transfers, [int]$Checkers)
    Invoke-StubRclone $Mode $Path (Get-StubRemote $Prefix) $Transfers $Checkers
}

function Receive-R2Experiment {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param([string]$Path, [string]$Prefix = 'experiments/', [string]$Mode = 'Fast', [int]$Transfers, [int]$Checkers)
    $r = Invoke-StubRclone $Mode (Get-StubRemote $Prefix) $Path $Transfers $Checkers
    $r.Downloaded = $r.Uploaded; $r.Uploaded = 0; $r
}

function Get-R2SyncPlan {
    [CmdletBinding()]
    param([string]$Path, [string]$Prefix = 'experiments/', [string]$Mode = 'Full', [string]$Direction = 'Push', [string]$Endpoint)
    $remote = Get-StubRemote $Prefix $Endpoint
    $root = (Resolve-Path $Path).Path
    foreach ($f in [IO.Directory]::EnumerateFiles($root, '*', 'AllDirectories')) {
        $rel = [IO.Path]::GetRelativePath($root, $f).Replace('\', '/')
        $dirs = $rel.Split('/') | Select-Object -SkipLast 1
        if ($dirs -contains 'activations' -or $dirs -contains 'val_activations' -or ($dirs -join '/') -match '(^|/)inference/raw(/|$)') { continue }
        $other = Join-Path $remote $rel
        $same = (Test-Path -LiteralPath $other) -and (Get-Item -LiteralPath $other).Length -eq (Get-Item -LiteralPath $f).Length
        [pscustomobject]@{ Action = if ($same) { 'Skip' } else { 'Upload' }; Key = "$Prefix$rel" }
    }
}
