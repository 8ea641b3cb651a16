#requires -Version 7.0
<#
.SYNOPSIS
  R2Sync vs rclone 1.60 benchmark (issue 7): wall time, CPU, peak RSS and S3 requests by
  method, against moto on loopback and against a local-folder backend.

.DESCRIPTION
  See bench/README.md for the method. Results go to <OutDir>/latest.md, latest.csv,
  latest-runs.csv and dated copies of the three.

.EXAMPLE
  dotnet pwsh -NoProfile ./bench/Invoke-Bench.ps1 -Files 500 -Repeat 1
.EXAMPLE
  ./build.ps1 -Task Bench -Cases 'push-noop-*','pull-*' -SkipRclone
#>
[CmdletBinding()]
param(
    [int]$Files = 26000,
    [ValidateRange(1, 99)][int]$Repeat = 3,
    # Wildcard filters on case names (see -ListCases).
    [string[]]$Cases = @('*'),
    [switch]$SkipRclone,
    [switch]$SkipR2Sync,
    [int]$LatencyMs = 0,
    [string]$ModulePath = 'out/R2Sync/R2Sync.psd1',
    [string]$OutDir,
    # Tree sizes for the plan-scale-N cases ('26000,100000' from a shell works too).
    [string[]]$PlanScaleFiles = @('26000', '100000', '260000'),
    [int]$Seed = 0,
    [double]$MutateFraction = 0.02,
    [ValidateSet('Fast', 'Copy', 'Full', 'Checksum')][string]$InitialMode = 'Fast',
    # Do not pass -Transfers/-Checkers to R2Sync (use its defaults) instead of rclone's numbers.
    [switch]$R2SyncDefaultConcurrency,
    [string]$ProxyScript,
    [string]$GenScript,
    [string]$Python,
    [switch]$KeepWork,
    [switch]$ListCases
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$BenchDir = $PSScriptRoot
$RepoRoot = Split-Path -Parent $BenchDir
. (Join-Path $BenchDir 'lib/BenchLib.ps1')

# ---------------------------------------------------------------- case catalogue
$PlanScaleFiles = @($PlanScaleFiles | ForEach-Object { $_ -split ',' } | Where-Object { $_.Trim() } | ForEach-Object { [int]::Parse($_.Trim(), [Globalization.CultureInfo]::InvariantCulture) })
$Modes = 'Fast', 'Copy', 'Full', 'Checksum'
$RcloneModes = @{
    Fast     = @{ Verb = 'copy'; Flags = @('--ignore-existing'); T = 16; C = 16 }
    Copy     = @{ Verb = 'copy'; Flags = @(); T = 16; C = 16 }
    Full     = @{ Verb = 'sync'; Flags = @('--size-only'); T = 8; C = 8 }
    Checksum = @{ Verb = 'sync'; Flags = @('--checksum'); T = 4; C = 4 }
}
$RcloneCommon = @('--exclude', '**/activations/**', '--exclude', '**/val_activations/**',
    '--exclude', '**/inference/raw/**', '--copy-links')
$PullT, $PullC = 32, 64
$S3Tools = @('R2Sync', 'rclone', 'rclone-fastlist')

$catalogue = [System.Collections.Generic.List[object]]::new()
function Add-Case($Name, $Kind, $Mode, $Tools, $Target, $Extra = @{}) {
    $catalogue.Add([pscustomobject](@{ Name = $Name; Kind = $Kind; Mode = $Mode; Tools = $Tools; Target = $Target } + $Extra))
}
Add-Case 'startup' 'Startup' $null @('pwsh-bare', 'R2Sync') $null
Add-Case 'push-initial' 'PushInitial' $InitialMode $S3Tools 'initial'
foreach ($m in $Modes) { Add-Case "push-noop-$($m.ToLower())" 'PushNoop' $m $S3Tools 'noop' }
foreach ($m in $Modes) { Add-Case "push-mutated-$($m.ToLower())" 'PushMutated' $m $S3Tools $null }
Add-Case 'pull-empty' 'PullEmpty' 'Copy' $S3Tools 'initial-pull'
Add-Case 'pull-noop-copy' 'PullNoop' 'Copy' $S3Tools 'noop'
Add-Case 'pull-noop-full' 'PullNoop' 'Full' $S3Tools 'noop'
Add-Case 'local-noop-full' 'LocalNoop' 'Full' @('R2Sync', 'rclone') $null
foreach ($n in $PlanScaleFiles) { Add-Case "plan-scale-$n" 'PlanScale' 'Full' @('R2Sync') $null @{ ScaleFiles = $n } }

if ($ListCases) { return $catalogue | Select-Object Name, Kind, Mode, @{ n = 'Tools'; e = { $_.Tools -join ',' } } }
$Cases = @($Cases | ForEach-Object { $_ -split ',' } | ForEach-Object Trim | Where-Object { $_ })  # 'a,b' from a shell
$selected = @($catalogue | Where-Object { $c = $_; @($Cases | Where-Object { $c.Name -like $_ }).Count -gt 0 })
if (-not $selected) { throw "No case matches -Cases $($Cases -join ','). Use -ListCases." }

# ---------------------------------------------------------------- prerequisites
$Python = if ($Python) { $Python } else { (& python3 -c 'import sys;print(sys.executable)').Trim() }
$GenScript = if ($GenScript) { $GenScript } else { Join-Path $RepoRoot '../shared/bench/gen-experiments.py' }
if (-not (Test-Path $GenScript)) { throw "Tree generator not found: $GenScript (use -GenScript)" }
$GenScript = (Resolve-Path $GenScript).Path
$Measure = Join-Path $BenchDir 'lib/measure.py'
$MotoScript = Join-Path $BenchDir 'lib/moto_bench_server.py'
$OpScript = Join-Path $BenchDir 'lib/Invoke-R2SyncOp.ps1'
$OutDir = if ($OutDir) { $OutDir } else { Join-Path $BenchDir 'results' }
$null = New-Item -ItemType Directory -Force $OutDir

$useR2Sync = -not $SkipR2Sync
$ModuleFull = $null
if ($useR2Sync) {
    $ModuleFull = @($ModulePath, (Join-Path $RepoRoot $ModulePath)) | Where-Object { Test-Path $_ } | Select-Object -First 1
    if (-not $ModuleFull) {
        Write-Warning "R2Sync module not found at '$ModulePath' (nor under $RepoRoot). Build it first (./build.ps1), or pass -ModulePath. All R2Sync runs are SKIPPED; rclone runs go on."
        $useR2Sync = $false
    }
    else { $ModuleFull = (Resolve-Path $ModuleFull).Path }
}
$useRclone = -not $SkipRclone
if ($useRclone -and -not (Get-Command rclone -ErrorAction SilentlyContinue)) {
    Write-Warning 'rclone not found on PATH: rclone runs are SKIPPED (apt-get install -y rclone).'
    $useRclone = $false
}
function Test-ToolEnabled([string]$Tool) {
    switch -Wildcard ($Tool) {
        'R2Sync' { return $useR2Sync }
        'rclone*' { return $useRclone }
        'pwsh-bare' { return $true }
    }
    $false
}
function Get-Family([string]$Tool) { if ($Tool -like 'rclone*') { 'rclone' } else { 'r2sync' } }

# ---------------------------------------------------------------- working area
$stamp = Get-Date -Format 'yyyyMMdd-HHmmss'
$Work = Join-Path $BenchDir "work/run-$stamp"
$null = New-Item -ItemType Directory -Force $Work, "$Work/logs", "$Work/res"
$savedEnv = @{}
function Set-BenchEnv([string]$Name, [string]$Value) {
    if (-not $savedEnv.ContainsKey($Name)) { $savedEnv[$Name] = [Environment]::GetEnvironmentVariable($Name) }
    [Environment]::SetEnvironmentVariable($Name, $Value)
}

$Bucket = 'bench'
$runs = [System.Collections.Generic.List[object]]::new()
$notes = [System.Collections.Generic.List[string]]::new()
$moto = $null; $proxy = $null
$effectiveLatency = 0
$treeInfo = @{}
$fatal = $null

try {
    # ------------------------------------------------------------ trees
    $needS3 = @($selected | Where-Object { $_.Kind -notin 'Startup', 'PlanScale', 'LocalNoop' }).Count -gt 0
    $needBase = @($selected | Where-Object { $_.Kind -notin 'Startup', 'PlanScale' }).Count -gt 0
    $baseRoot = Join-Path $Work 'tree-base'
    $mutRoot = Join-Path $Work 'tree-mutated'
    $N = $Files
    if ($needBase) {
        $info = New-BenchTree -Root $baseRoot -Files $Files -Seed $Seed
        $treeInfo.base = $info; $N = $info.SyncedFiles
        Write-Host "Base tree: $($info.SyncedFiles) synced files, $([math]::Round($info.SyncedBytes / 1MB, 1)) MiB (+ $($info.ExcludedFiles) excluded) in $($info.Seconds)s"
    }
    if (@($selected | Where-Object Kind -EQ 'PushMutated').Count) {
        Invoke-Native cp @('-a', $baseRoot, $mutRoot)
        $treeInfo.mutation = (Invoke-Native $Python @($GenScript, '--root', $mutRoot, '--mutate', "$MutateFraction", '--seed', '1') | Out-String).Trim()
        Write-Host "Mutated tree: $($treeInfo.mutation)"
    }

    # ------------------------------------------------------------ moto (+ relay)
    $endpoint = $null
    if ($needS3) {
        $moto = Start-Moto -Python $Python -Script $MotoScript -LogDir $Work
        $endpoint = $moto.Url
        Invoke-RestMethod -Method Put -Uri "$($moto.Url)/$Bucket" | Out-Null
        if ($LatencyMs -gt 0) {
            $ps = if ($ProxyScript) { $ProxyScript } else { Join-Path $RepoRoot 'tests/tools/s3proxy.py' }
            if (Test-Path $ps) {
                $proxy = Start-Relay -Python $Python -Script $ps -Upstream $moto.Url -DelayMs $LatencyMs -LogDir $Work
                $endpoint = $proxy.Url; $effectiveLatency = $LatencyMs
                $notes.Add("Requests go through $ps with --delay-ms $LatencyMs (endpoint $endpoint); moto still counts them.")
            }
            else {
                Write-Warning "-LatencyMs $LatencyMs requested but $ps does not exist: running WITHOUT added latency."
                $notes.Add("-LatencyMs $LatencyMs was requested but the relay script $ps was missing: no latency was added.")
            }
        }
        $rcloneConf = Join-Path $Work 'rclone.conf'; Set-Content -LiteralPath $rcloneConf -Value ''
        Set-BenchEnv RCLONE_CONFIG $rcloneConf
        Set-BenchEnv RCLONE_CONFIG_BENCH_TYPE 's3'
        Set-BenchEnv RCLONE_CONFIG_BENCH_PROVIDER 'Other'
        Set-BenchEnv RCLONE_CONFIG_BENCH_ENDPOINT $endpoint
        Set-BenchEnv RCLONE_CONFIG_BENCH_ACCESS_KEY_ID 'bench'
        Set-BenchEnv RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY 'benchsecret'
        Set-BenchEnv RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE 'true'
        Set-BenchEnv RCLONE_CONFIG_BENCH_REGION 'us-east-1'
        Set-BenchEnv R2_ACCESS_KEY_ID 'bench'
        Set-BenchEnv R2_SECRET_ACCESS_KEY 'benchsecret'
        Set-BenchEnv R2_ENDPOINT $endpoint
        Set-BenchEnv R2_BUCKET_NAME $Bucket
    }
    $S3Remote = "bench:$Bucket/experiments"

    # ------------------------------------------------------------ command builders
    function Get-RcloneArgs([string]$Tool, [string]$Mode, [string]$Src, [string]$Dst, [switch]$Pull) {
        $m = $RcloneModes[$Mode]
        $t, $c = if ($Pull) { $PullT, $PullC } else { $m.T, $m.C }
        $a = @($m.Verb, $Src, $Dst) + $m.Flags + @('--transfers', "$t", '--checkers', "$c") + $RcloneCommon
        if ($Tool -eq 'rclone-fastlist') { $a += '--fast-list' }
        $a
    }
    function Get-R2SyncArgs([string]$Op, [string]$Mode, [string]$Path, [string]$ResultFile, [switch]$Pull, [string]$Endpoint) {
        $a = @('pwsh', '-NoProfile', '-NonInteractive', '-File', $OpScript, '-Op', $Op, '-ResultFile', $ResultFile)
        if ($ModuleFull) { $a += @('-ModulePath', $ModuleFull) }
        if ($Path) { $a += @('-Path', $Path, '-Prefix', 'experiments/', '-Mode', $Mode) }
        if ($Op -in 'Push', 'Pull' -and -not $R2SyncDefaultConcurrency) {
            $m = $RcloneModes[$Mode]
            $t, $c = if ($Pull) { $PullT, $PullC } else { $m.T, $m.C }
            $a += @('-Transfers', "$t", '-Checkers', "$c")
        }
        if ($Endpoint) { $a += @('-Endpoint', $Endpoint) }
        @('dotnet') + $a
    }

    # One measured run of one tool; returns the run record.
    function Invoke-BenchRun($Case, [string]$Tool, [int]$Rep, [string[]]$Cmd, [string]$ResultFile, [switch]$CountRequests) {
        $tag = "$($Case.Name)__$($Tool)__$Rep"
        $mj = Join-Path $Work "res/$tag.measure.json"
        $unset = if ($Tool -like 'rclone*') { @('--unset', 'AWS_CA_BUNDLE') } else { @() }
        $off = if ($CountRequests -and $moto) { Get-LogOffset $moto.Log } else { $null }
        $margs = @($Measure, '--json', $mj, '--cwd', $RepoRoot, '--stdout', (Join-Path $Work "logs/$tag.out"),
            '--stderr', (Join-Path $Work "logs/$tag.err")) + $unset + @('--') + $Cmd
        & $Python @margs
        if ($LASTEXITCODE -ne 0) { throw "measure.py failed for $tag" }
        $m = Get-Content -Raw $mj | ConvertFrom-Json
        $rec = [ordered]@{
            Case = $Case.Name; Tool = $Tool; Rep = $Rep; Mode = $Case.Mode; Files = $N
            ExitCode = $m.exit_code; WallSec = $m.wall_s; UserSec = $m.user_s; SysSec = $m.sys_s; CpuSec = $m.cpu_s
            PeakTreeRssMB = [math]::Round($m.peak_tree_rss_kb / 1024, 1); MaxRssSingleMB = [math]::Round($m.maxrss_single_kb / 1024, 1)
            Procs = $m.max_procs; R2SyncDurationSec = $null; PlanItems = $null; Summary = $null; Error = $null
            LogFrom = $null; LogTo = $null
        }
        foreach ($k in $RequestColumns) { $rec[$k] = $null }
        if ($off) {
            $slice = Read-LogSlice $moto.Log $off
            $counts = Get-RequestCounts $slice.Lines
            foreach ($k in $RequestColumns) { $rec[$k] = $counts[$k] }
            $rec.LogFrom = $off.Line + 1; $rec.LogTo = $off.Line + $slice.Lines.Count
        }
        if ($ResultFile -and (Test-Path $ResultFile)) {
            $r = Get-Content -Raw $ResultFile | ConvertFrom-Json
            if ($r.PSObject.Properties['DurationSec']) { $rec.R2SyncDurationSec = $r.DurationSec }
            if ($r.PSObject.Properties['PlanItems']) { $rec.PlanItems = $r.PlanItems }
            if ($r.PSObject.Properties['Error']) { $rec.Error = $r.Error }
            $rec.Summary = (@('Uploaded', 'Downloaded', 'Deleted', 'Skipped', 'Failed', 'PlanByAction', 'ImportSec', 'OpSec') |
                Where-Object { $r.PSObject.Properties[$_] } | ForEach-Object { "$_=$($r.$_ | ConvertTo-Json -Compress)" }) -join ' '
        }
        if ($m.exit_code -ne 0 -and -not $rec.Error) {
            $rec.Error = (Get-Content (Join-Path $Work "logs/$tag.err") -Tail 3 -ErrorAction SilentlyContinue) -join ' | '
        }
        $o = [pscustomobject]$rec
        $runs.Add($o)
        $reqs = if ($null -ne $o.Total) { " req=$($o.Total) (LIST $($o.LIST) GET $($o.GET) HEAD $($o.HEAD) PUT $($o.PUT) POST $($o.POST) DEL $($o.DELETE))" } else { '' }
        $err = if ($o.ExitCode -ne 0) { "  EXIT $($o.ExitCode): $($o.Error)" } else { '' }
        Write-Host ("  {0,-22} {1,-16} #{2} wall={3,7:N2}s cpu={4,7:N2}s rss={5,7:N1}MB{6}{7}" -f $Case.Name, $Tool, $Rep, $o.WallSec, $o.CpuSec, $o.PeakTreeRssMB, $reqs, $err)
        $o
    }

    # ------------------------------------------------------------ bucket state (snapshots per writer family)
    $state = @{ Current = 'empty'; Snapshots = @{} }
    function Set-BucketState([string]$Want) {
        if ($state.Current -eq $Want) { return }
        if ($Want -eq 'empty') { Invoke-MotoControl $moto.Url 'empty' $Bucket | Out-Null }
        else { Invoke-MotoControl $moto.Url 'restore' $Bucket $Want | Out-Null }
        $state.Current = $Want
    }
    function Update-StateAfterRun($Run) {
        if (($Run.PUT + $Run.POST + $Run.DELETE) -gt 0 -or $Run.ExitCode -ne 0) { $state.Current = 'dirty' }
    }
    function Save-Base([string]$Family) {
        $r = Invoke-MotoControl $moto.Url 'snapshot' $Bucket "base-$Family"
        $state.Snapshots[$Family] = $r.keys
        $state.Current = "base-$Family"
        Write-Host "  (snapshot base-${Family}: $($r.keys) objects, $([math]::Round($r.bytes / 1MB, 1)) MiB pickled, $($r.seconds)s)"
    }
    # Bucket = what <Family>'s own push of the base tree leaves; seed it (unmeasured) if needed.
    function Use-Base([string]$Family) {
        if (-not $state.Snapshots.ContainsKey($Family)) {
            Set-BucketState 'empty'
            Write-Host "  (seeding bucket with $Family, unmeasured)"
            $src = Join-Path $baseRoot 'experiments'
            if ($Family -eq 'rclone') { $cmd = @('rclone') + (Get-RcloneArgs 'rclone' 'Fast' $src $S3Remote) }
            else { $cmd = Get-R2SyncArgs 'Push' 'Fast' $src (Join-Path $Work "res/seed-$Family.json") }
            $seedCase = [pscustomobject]@{ Name = "seed-$Family"; Mode = 'Fast' }
            $tool = if ($Family -eq 'rclone') { 'rclone' } else { 'R2Sync' }
            $r = Invoke-BenchRun $seedCase $tool 0 $cmd (Join-Path $Work "res/seed-$Family.json") -CountRequests
            $null = $runs.Remove($r)
            if ($r.ExitCode -ne 0) { throw "seeding the bucket with $Family failed: $($r.Error)" }
            Save-Base $Family
        }
        Set-BucketState "base-$Family"
    }

    # ------------------------------------------------------------ run the cases
    $failedTools = @{}
    foreach ($case in $selected) {
        $tools = @($case.Tools | Where-Object { Test-ToolEnabled $_ })
        if (-not $tools) { Write-Host "== $($case.Name): skipped (no enabled tool)"; continue }
        Write-Host "== $($case.Name) [$($case.Kind) $($case.Mode)] tools: $($tools -join ', ')"
        $caseN = $N
        if ($case.Kind -eq 'PlanScale') {
            $sroot = Join-Path $Work "tree-scale-$($case.ScaleFiles)"
            $sinfo = New-BenchTree -Root $sroot -Files $case.ScaleFiles -Seed $Seed
            $caseN = $sinfo.SyncedFiles
            $sremote = Join-Path $Work "remote-scale-$($case.ScaleFiles)"
            New-SyncedCopy -From (Join-Path $sroot 'experiments') -To (Join-Path $sremote "$Bucket/experiments") -HardLink
            Write-Host "  tree: $caseN synced files ($($sinfo.Seconds)s to generate); remote folder = hard-linked copy"
        }
        if ($case.Kind -eq 'LocalNoop') {
            $lremote = Join-Path $Work 'remote-local'
            if (-not (Test-Path $lremote)) { New-SyncedCopy -From (Join-Path $baseRoot 'experiments') -To (Join-Path $lremote "$Bucket/experiments") }
        }
        for ($rep = 1; $rep -le $Repeat; $rep++) {
            # Alternate the order of tools from one repetition to the next.
            $k = ($rep - 1) % $tools.Count
            $order = @($tools[$k..($tools.Count - 1)]) + @(if ($k -gt 0) { $tools[0..($k - 1)] })
            foreach ($tool in $order) {
                if ($failedTools["$($case.Name)/$tool"]) { continue }
                $fam = Get-Family $tool
                $rf = Join-Path $Work "res/$($case.Name)__$($tool)__$rep.result.json"
                $src = Join-Path $baseRoot 'experiments'
                $count = $true
                switch ($case.Kind) {
                    'Startup' {
                        $op = if ($tool -eq 'pwsh-bare') { 'Bare' } else { 'Startup' }
                        $cmd = Get-R2SyncArgs $op $null $null $rf; $count = $false
                    }
                    'PushInitial' {
                        Set-BucketState 'empty'
                        $cmd = if ($fam -eq 'rclone') { @('rclone') + (Get-RcloneArgs $tool $case.Mode $src $S3Remote) }
                        else { Get-R2SyncArgs 'Push' $case.Mode $src $rf }
                    }
                    { $_ -in 'PushNoop', 'PushMutated' } {
                        Use-Base $fam
                        if ($case.Kind -eq 'PushMutated') { $src = Join-Path $mutRoot 'experiments' }
                        $cmd = if ($fam -eq 'rclone') { @('rclone') + (Get-RcloneArgs $tool $case.Mode $src $S3Remote) }
                        else { Get-R2SyncArgs 'Push' $case.Mode $src $rf }
                    }
                    { $_ -in 'PullEmpty', 'PullNoop' } {
                        Use-Base $fam
                        $dst = Join-Path $Work "pull-$tool/experiments"
                        if ($case.Kind -eq 'PullEmpty' -and (Test-Path $dst)) { Remove-Item -Recurse -Force $dst }
                        if ($case.Kind -eq 'PullNoop' -and -not (Test-Path $dst)) {
                            Write-Host "  (filling $dst with an unmeasured $tool pull)"
                            $pre = if ($fam -eq 'rclone') { @('rclone') + (Get-RcloneArgs $tool 'Copy' $S3Remote $dst -Pull) }
                            else { Get-R2SyncArgs 'Pull' 'Copy' $dst "$rf.pre" -Pull }
                            $r = Invoke-BenchRun ([pscustomobject]@{ Name = 'prefill'; Mode = 'Copy' }) $tool 0 $pre "$rf.pre"
                            $null = $runs.Remove($r)
                        }
                        $null = New-Item -ItemType Directory -Force $dst
                        $cmd = if ($fam -eq 'rclone') { @('rclone') + (Get-RcloneArgs $tool $case.Mode $S3Remote $dst -Pull) }
                        else { Get-R2SyncArgs 'Pull' $case.Mode $dst $rf -Pull }
                    }
                    'LocalNoop' {
                        $dstDir = Join-Path $lremote "$Bucket/experiments"
                        $count = $false
                        if ($tool -eq 'rclone') {
                            $m = $RcloneModes.Full
                            $cmd = @('rclone', 'sync', $src, $dstDir) + $m.Flags + @('--transfers', "$($m.T)", '--checkers', "$($m.C)") + $RcloneCommon
                        }
                        else {
                            Set-BenchEnv R2_ENDPOINT "file://$lremote"; Set-BenchEnv R2_BUCKET_NAME $Bucket
                            $cmd = Get-R2SyncArgs 'Push' 'Full' $src $rf
                        }
                    }
                    'PlanScale' {
                        $count = $false
                        Set-BenchEnv R2_ENDPOINT "file://$sremote"; Set-BenchEnv R2_BUCKET_NAME $Bucket
                        $cmd = Get-R2SyncArgs 'Plan' 'Full' (Join-Path $sroot 'experiments') $rf -Endpoint "file://$sremote"
                    }
                }
                $run = Invoke-BenchRun $case $tool $rep $cmd $rf -CountRequests:$count
                $run.Files = $caseN
                if ($case.Kind -in 'LocalNoop', 'PlanScale' -and $endpoint) { Set-BenchEnv R2_ENDPOINT $endpoint }
                if ($count) { Update-StateAfterRun $run }
                if ($case.Kind -eq 'PushInitial' -and $run.ExitCode -eq 0 -and -not $state.Snapshots.ContainsKey($fam)) { Save-Base $fam }
                if ($run.ExitCode -ne 0 -and $tool -eq 'R2Sync' -and $case.Kind -ne 'Startup') {
                    # Do not spend 3 repetitions on a broken build; keep going with the other tools.
                    if ($rep -eq 1) { $failedTools["$($case.Name)/$tool"] = $true; Write-Warning "R2Sync failed on $($case.Name); not repeating it." }
                }
            }
        }
        if ($case.Kind -eq 'PlanScale' -and -not $KeepWork) { Remove-Item -Recurse -Force $sroot, $sremote -ErrorAction SilentlyContinue }
    }
}
catch {
    # Keep what was measured so far: write the report, then fail.
    $fatal = $_
    $notes.Add("RUN ABORTED: $($_.Exception.Message)")
}
finally {
    if ($proxy) { Stop-BenchProcess $proxy.Process }
    if ($moto) { Stop-BenchProcess $moto.Process; Copy-Item $moto.Log (Join-Path $OutDir 'latest-moto.log') -ErrorAction SilentlyContinue }
    foreach ($k in $savedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $savedEnv[$k]) }
    if (-not $KeepWork) { Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue }
    else { Write-Host "Work dir kept: $Work" }
}

# ---------------------------------------------------------------- report
$machine = Get-MachineInfo -ModulePath $ModuleFull -RepoRoot $RepoRoot -Python $Python
$params = [ordered]@{
    Files = $Files; SyncedFiles = $N; Repeat = $Repeat; Cases = ($Cases -join ','); Seed = $Seed; MutateFraction = $MutateFraction
    InitialMode = $InitialMode; LatencyMs = $effectiveLatency; R2SyncConcurrency = $(if ($R2SyncDefaultConcurrency) { 'module defaults' } else { 'same as rclone per mode' })
    R2Sync = $(if ($useR2Sync) { $ModuleFull } else { 'SKIPPED' }); rclone = $(if ($useRclone) { 'yes' } else { 'SKIPPED' })
}
if ($treeInfo.ContainsKey('base')) { $params.TreeMiB = [math]::Round($treeInfo.base.SyncedBytes / 1MB, 1) }
if ($treeInfo.ContainsKey('mutation')) { $params.Mutation = $treeInfo.mutation }
$report = Write-BenchReport -Runs $runs -Machine $machine -Params $params -Notes $notes -OutDir $OutDir -Stamp $stamp
Write-Host "`nWrote $($report -join ', ')"
if ($fatal) { throw $fatal }
