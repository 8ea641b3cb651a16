# Helpers for bench/Invoke-Bench.ps1 (dot-sourced).

$RequestColumns = 'Total', 'LIST', 'GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OTHER', 'Errors'

function Invoke-Native([string]$Exe, [string[]]$ArgList) {
    $out = & $Exe @ArgList
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($ArgList -join ' ') failed with exit code $LASTEXITCODE" }
    $out
}

function Get-Median([double[]]$Values) {
    $v = @($Values | Where-Object { $null -ne $_ } | Sort-Object)
    if (-not $v.Count) { return $null }
    if ($v.Count % 2) { return $v[[int][math]::Floor($v.Count / 2)] }
    ($v[$v.Count / 2 - 1] + $v[$v.Count / 2]) / 2
}

function New-BenchTree([string]$Root, [int]$Files, [int]$Seed) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $out = (Invoke-Native $Python @($GenScript, '--root', $Root, '--files', "$Files", '--seed', "$Seed")) -join "`n"
    $s = [regex]::Match($out, 'synced:\s+(\d+) files, (\d+) bytes')
    $e = [regex]::Match($out, 'excluded:\s+(\d+) files, (\d+) bytes')
    [pscustomobject]@{
        SyncedFiles = [int]$s.Groups[1].Value; SyncedBytes = [long]$s.Groups[2].Value
        ExcludedFiles = [int]$e.Groups[1].Value; ExcludedBytes = [long]$e.Groups[2].Value
        Seconds = [math]::Round($sw.Elapsed.TotalSeconds, 1)
    }
}

# Copy of the synced part of a tree (the excluded directories removed), as a "remote" folder.
function New-SyncedCopy([string]$From, [string]$To, [switch]$HardLink) {
    $null = New-Item -ItemType Directory -Force (Split-Path -Parent $To)
    $flags = if ($HardLink) { '-al' } else { '-a' }
    Invoke-Native cp @($flags, $From, $To)
    Invoke-Native find @($To, '-depth', '-type', 'd', '(', '-name', 'activations', '-o', '-name', 'val_activations', '-o', '-path', '*/inference/raw', ')', '-exec', 'rm', '-rf', '{}', '+')
}

function Get-FreePort {
    $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $l.Start(); $p = $l.LocalEndpoint.Port; $l.Stop(); $p
}

function Wait-Tcp([int]$Port, [System.Diagnostics.Process]$Process, [string]$Log, [int]$TimeoutSec = 60) {
    $deadline = (Get-Date).AddSeconds($TimeoutSec)
    while ((Get-Date) -lt $deadline) {
        if ($Process.HasExited) { throw "process exited early: $(Get-Content $Log -Tail 5 -ErrorAction SilentlyContinue)" }
        $c = [System.Net.Sockets.TcpClient]::new()
        try { $c.Connect('127.0.0.1', $Port); return } catch { Start-Sleep -Milliseconds 200 } finally { $c.Dispose() }
    }
    throw "nothing listening on port $Port after ${TimeoutSec}s"
}

function Start-Moto([string]$Python, [string]$Script, [string]$LogDir) {
    $port = Get-FreePort
    $log = Join-Path $LogDir 'moto.log'
    $p = Start-Process -FilePath $Python -ArgumentList @('-u', $Script, '-H', '127.0.0.1', '-p', "$port") `
        -RedirectStandardError $log -RedirectStandardOutput (Join-Path $LogDir 'moto.out') -PassThru
    try { Wait-Tcp $port $p $log } catch { Stop-BenchProcess $p; throw "moto did not start: $_" }
    Write-Host "moto (pid $($p.Id)) on http://127.0.0.1:$port, request log $log"
    $script:logTally = @{ Byte = 0L; Line = 0 }
    [pscustomobject]@{ Process = $p; Port = $port; Url = "http://127.0.0.1:$port"; Log = $log }
}

function Start-Relay([string]$Python, [string]$Script, [string]$Upstream, [int]$DelayMs, [string]$LogDir) {
    $out = Join-Path $LogDir 'relay.out'
    $p = Start-Process -FilePath $Python -ArgumentList @('-u', $Script, '--upstream', $Upstream, '--port', '0', '--delay-ms', "$DelayMs") `
        -RedirectStandardOutput $out -RedirectStandardError (Join-Path $LogDir 'relay.err') -PassThru
    $deadline = (Get-Date).AddSeconds(20)
    while ((Get-Date) -lt $deadline) {
        $m = [regex]::Match((Get-Content -Raw $out -ErrorAction SilentlyContinue) ?? '', 'LISTENING (\d+)')
        if ($m.Success) {
            Write-Host "delay relay (pid $($p.Id), +$DelayMs ms) on port $($m.Groups[1].Value)"
            return [pscustomobject]@{ Process = $p; Port = [int]$m.Groups[1].Value; Url = "http://127.0.0.1:$($m.Groups[1].Value)" }
        }
        if ($p.HasExited) { break }
        Start-Sleep -Milliseconds 200
    }
    Stop-BenchProcess $p
    throw "relay $Script did not print LISTENING <port>: $(Get-Content (Join-Path $LogDir 'relay.err') -Tail 5 -ErrorAction SilentlyContinue)"
}

function Stop-BenchProcess([System.Diagnostics.Process]$Process) {
    if ($Process -and -not $Process.HasExited) {
        Stop-Process -Id $Process.Id -ErrorAction SilentlyContinue
        if (-not $Process.WaitForExit(5000)) { Stop-Process -Id $Process.Id -Force -ErrorAction SilentlyContinue }
    }
}

function Invoke-MotoControl([string]$Url, [string]$Action, [string]$Bucket, [string]$Name) {
    $u = "$Url/_bench/$Action`?bucket=$Bucket" + $(if ($Name) { "&name=$Name" } else { '' })
    $r = Invoke-RestMethod -Method Post -Uri $u -TimeoutSec 600
    if ($r.PSObject.Properties['error']) { throw "moto control $Action failed: $($r.error)" }
    $r
}

# --- request log slicing: positions are (byte offset, line number) at a line boundary.
function Read-LogTail([string]$Log, [long]$FromByte) {
    # Wait until the log stops growing (werkzeug logs each request before answering it,
    # so this is only about the last write reaching the file), then read complete lines.
    $prev = -1L
    for ($i = 0; $i -lt 50; $i++) {
        $len = (Get-Item $Log).Length
        if ($len -eq $prev) { break }
        $prev = $len; Start-Sleep -Milliseconds 100
    }
    $fs = [System.IO.FileStream]::new($Log, 'Open', 'Read', 'ReadWrite')
    try {
        $n = $prev - $FromByte
        if ($n -le 0) { return @{ Text = ''; End = $FromByte } }
        $buf = [byte[]]::new($n); $null = $fs.Seek($FromByte, 'Begin')
        $read = 0; while ($read -lt $n) { $k = $fs.Read($buf, $read, $n - $read); if ($k -le 0) { break }; $read += $k }
        $last = [Array]::LastIndexOf($buf, [byte]10, $read - 1)
        if ($last -lt 0) { return @{ Text = ''; End = $FromByte } }
        @{ Text = [Text.Encoding]::UTF8.GetString($buf, 0, $last + 1); End = $FromByte + $last + 1 }
    }
    finally { $fs.Dispose() }
}

function Get-LogOffset([string]$Log) {
    $t = Read-LogTail $Log $script:logTally.Byte
    $script:logTally.Line += ($t.Text.Split("`n").Count - 1)
    $script:logTally.Byte = $t.End
    [pscustomobject]@{ Byte = $script:logTally.Byte; Line = $script:logTally.Line }
}

function Read-LogSlice([string]$Log, $Offset) {
    $t = Read-LogTail $Log $Offset.Byte
    $lines = @(if ($t.Text) { $t.Text.TrimEnd("`n").Split("`n") })
    $script:logTally.Byte = $t.End; $script:logTally.Line = $Offset.Line + $lines.Count
    [pscustomobject]@{ Lines = $lines }
}

$RequestLine = [regex]'"(?<m>[A-Z]+) (?<u>\S+) HTTP/[\d.]+" (?<s>\d{3})'
$ListQuery = [regex]'(^|&)(list-type|prefix|delimiter|marker|continuation-token|start-after|max-keys|encoding-type)(=|&|$)'
# LIST = GET on the bucket itself that lists (list-type/prefix/... query, or no query);
# GET = GET of an object; other bucket-level GETs (?location, ?versioning, ...) are OTHER.
function Get-RequestCounts([string[]]$Lines) {
    $c = [ordered]@{}; foreach ($k in $RequestColumns) { $c[$k] = 0 }
    foreach ($line in $Lines) {
        $m = $RequestLine.Match($line)
        if (-not $m.Success) { continue }
        $path, $query = $m.Groups['u'].Value.Split('?', 2)
        $path = $path.TrimStart('/')
        if ($path.StartsWith('_bench/') -or $path.StartsWith('moto-api')) { continue }
        $bucketLevel = $path.TrimEnd('/').IndexOf('/') -lt 0
        $query = $query ?? ''
        $kind = switch ($m.Groups['m'].Value) {
            'GET' { if (-not $bucketLevel) { 'GET' } elseif (-not $query -or $ListQuery.IsMatch($query)) { 'LIST' } else { 'OTHER' } }
            { $_ -in 'HEAD', 'PUT', 'POST', 'DELETE' } { $_ }
            default { 'OTHER' }
        }
        $c[$kind]++; $c.Total++
        if ([int]$m.Groups['s'].Value -ge 400) { $c.Errors++ }
    }
    $c
}

function Get-MachineInfo([string]$ModulePath, [string]$RepoRoot, [string]$Python) {
    $mem = (Get-Content /proc/meminfo | Select-String '^MemTotal:\s+(\d+)').Matches[0].Groups[1].Value
    $cpu = (Get-Content /proc/cpuinfo | Select-String '^model name\s*:\s*(.+)$' | Select-Object -First 1).Matches[0].Groups[1].Value
    $rc = if (Get-Command rclone -ErrorAction SilentlyContinue) { (& rclone version 2>$null | Select-Object -First 1) } else { 'not installed' }
    $git = { param($dir) if ($dir -and (Test-Path $dir)) { $h = & git -C $dir rev-parse --short=12 HEAD 2>$null; if ($LASTEXITCODE -eq 0) { $d = & git -C $dir status --porcelain --untracked-files=no 2>$null; "$h$(if ($d) { ' (dirty)' })" } } }
    $modCommit = if ($ModulePath) { & $git (Split-Path -Parent $ModulePath) } else { $null }
    $modVersion = if ($ModulePath) { try { (Import-PowerShellDataFile $ModulePath).ModuleVersion } catch { '?' } } else { $null }
    [ordered]@{
        Date = (Get-Date).ToString('yyyy-MM-dd HH:mm:ss zzz')
        Host = [Environment]::MachineName
        CPU = "$(& nproc) x $cpu"
        Memory = "$([math]::Round([long]$mem / 1MB, 1)) GiB"
        Kernel = (& uname -r)
        rclone = $rc
        pwsh = "$($PSVersionTable.PSVersion)"
        dotnet = (& dotnet --version 2>$null)
        moto = (& $Python -c 'import moto,sys;print(moto.__version__, "python", sys.version.split()[0])')
        R2Sync = if ($ModulePath) { "$modVersion, commit $(if ($modCommit) { $modCommit } else { 'unknown' }) ($ModulePath)" } else { 'not run' }
        BenchCommit = (& $git $RepoRoot)
    }
}

function Format-Num($v, [int]$Digits = 2) {
    if ($null -eq $v -or "$v" -eq '') { return '' }
    ([double]$v).ToString("N$Digits", [Globalization.CultureInfo]::InvariantCulture).Replace(',', '')
}

function Get-Ratio($a, $b) {
    if ($null -eq $a -or $null -eq $b -or [double]$b -eq 0) { return $null }
    [math]::Round([double]$a / [double]$b, 2)
}

function Get-Summary($Runs) {
    # Keep the order in which cases/tools first ran (Group-Object would sort by name).
    $keys = [System.Collections.Generic.List[string]]::new()
    foreach ($r in $Runs) { $k = "$($r.Case)|$($r.Tool)"; if (-not $keys.Contains($k)) { $keys.Add($k) } }
    foreach ($key in $keys) {
        $all = @($Runs | Where-Object { "$($_.Case)|$($_.Tool)" -eq $key }); $ok = @($all | Where-Object ExitCode -EQ 0)
        $use = if ($ok) { $ok } else { $all }
        $row = [ordered]@{
            Case = $all[0].Case; Tool = $all[0].Tool; Mode = $all[0].Mode; Files = $all[0].Files
            Runs = $all.Count; OkRuns = $ok.Count
            WallSec = Get-Median $use.WallSec; CpuSec = Get-Median $use.CpuSec
            PeakTreeRssMB = Get-Median $use.PeakTreeRssMB; MaxRssSingleMB = Get-Median $use.MaxRssSingleMB
            R2SyncDurationSec = Get-Median @($use | Where-Object { $null -ne $_.R2SyncDurationSec -and "$($_.R2SyncDurationSec)" -match '^[\d.]+$' } | ForEach-Object R2SyncDurationSec)
            PlanItems = Get-Median @($use | Where-Object { $null -ne $_.PlanItems } | ForEach-Object PlanItems)
        }
        foreach ($k in $RequestColumns) {
            $vals = @($use | Where-Object { $null -ne $_.$k } | ForEach-Object $k)
            $row[$k] = if ($vals.Count) { Get-Median $vals } else { $null }
        }
        $totals = @($use | Where-Object { $null -ne $_.Total } | ForEach-Object Total | Sort-Object -Unique)
        $row.RequestsVaried = if ($totals.Count -gt 1) { "$($totals -join '/')" } else { '' }
        $row.Error = (@($all | Where-Object { $_.Error } | ForEach-Object Error | Select-Object -Unique) -join ' | ')
        $row.Summary = ($use | Select-Object -Last 1).Summary
        [pscustomobject]$row
    }
}

function Get-TargetCheck($Row) {
    if ($Row.Tool -notlike 'R2Sync' -and $Row.Tool -notlike 'rclone*') { return $null }
    if ($null -eq $Row.Total) { return $null }
    $pages = [math]::Ceiling($Row.Files / 1000)
    if ($Row.Case -like '*-noop-*' -and $Row.Case -notlike 'local-*') {
        $lim = $pages + 2
        return [pscustomobject]@{ Target = "requests <= ceil(N/1000)+2 = $lim"; Value = "$($Row.Total)"; Pass = $Row.Total -le $lim }
    }
    if ($Row.Case -eq 'push-initial') {
        $lim = $Row.Files + $pages + 2
        $pass = ($Row.PUT -le $Row.Files) -and ($Row.Total -le $lim)
        return [pscustomobject]@{ Target = "PUT <= N = $($Row.Files); requests <= N+ceil(N/1000)+2 = $lim"; Value = "PUT $($Row.PUT), total $($Row.Total)"; Pass = $pass }
    }
    $null
}

function Write-BenchReport($Runs, $Machine, $Params, $Notes, [string]$OutDir, [string]$Stamp) {
    $summary = @(Get-Summary $Runs)
    # Ratios R2Sync / rclone and R2Sync / rclone --fast-list (< 1: R2Sync better).
    foreach ($row in $summary) {
        foreach ($other in 'rclone', 'rclone-fastlist') {
            $suffix = if ($other -eq 'rclone') { 'VsRclone' } else { 'VsRcloneFastList' }
            $o = $summary | Where-Object { $_.Case -eq $row.Case -and $_.Tool -eq $other } | Select-Object -First 1
            $isR = $row.Tool -eq 'R2Sync' -and $o
            foreach ($metric in 'WallSec', 'CpuSec', 'PeakTreeRssMB', 'Total') {
                $name = @{ WallSec = 'Wall'; CpuSec = 'Cpu'; PeakTreeRssMB = 'Rss'; Total = 'Requests' }[$metric] + "Ratio$suffix"
                $row | Add-Member -NotePropertyName $name -NotePropertyValue $(if ($isR) { Get-Ratio $row.$metric $o.$metric } else { $null })
            }
        }
        $t = Get-TargetCheck $row
        $row | Add-Member -NotePropertyName RequestTarget -NotePropertyValue $(if ($t) { $t.Target } else { '' })
        $row | Add-Member -NotePropertyName RequestTargetMet -NotePropertyValue $(if ($t) { if ($t.Pass) { 'yes' } else { 'NO' } } else { '' })
    }

    $md = [System.Text.StringBuilder]::new()
    $L = { param($s) $null = $md.AppendLine($s) }
    & $L "# R2Sync benchmark — $($Machine.Date)"
    & $L ''
    & $L '| Machine | |'; & $L '|---|---|'
    foreach ($k in $Machine.Keys) { & $L "| $k | $($Machine[$k]) |" }
    & $L ''
    & $L '| Parameter | |'; & $L '|---|---|'
    foreach ($k in $Params.Keys) { & $L "| $k | $($Params[$k]) |" }
    & $L ''
    & $L "## Results (median of the successful runs; tools alternate order between repetitions)"
    & $L ''
    & $L 'Wall and CPU (user+sys) are for the whole process tree as launched: for R2Sync that is `dotnet pwsh -NoProfile -File bench/lib/Invoke-R2SyncOp.ps1 ...`, so they include `dotnet` tool resolution, pwsh start-up and module import (see the `startup` case); "R2Sync s" is the Duration reported by R2Sync itself. Peak RSS (tree) is the largest sum of RSS over the live process tree (sampled every 50 ms); RSS (1 proc) is ru_maxrss, as `/usr/bin/time -f %M` reports. Requests are counted from moto''s request log.'
    & $L ''
    & $L '| Case | Tool | ok/runs | Wall s | CPU s | Peak RSS MB (tree) | RSS MB (1 proc) | R2Sync s | Requests | LIST | GET | HEAD | PUT | POST | DELETE | other | 4xx/5xx |'
    & $L '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
    foreach ($r in $summary | Where-Object Case -NotLike 'plan-scale-*') {
        $req = foreach ($k in $RequestColumns) { if ($null -eq $r.$k) { '' } else { "$($r.$k)" } }
        $tot = if ($r.RequestsVaried) { "$($req[0]) (varied: $($r.RequestsVaried))" } else { $req[0] }
        & $L "| $($r.Case) | $($r.Tool) | $($r.OkRuns)/$($r.Runs) | $(Format-Num $r.WallSec) | $(Format-Num $r.CpuSec) | $(Format-Num $r.PeakTreeRssMB 0) | $(Format-Num $r.MaxRssSingleMB 0) | $(Format-Num $r.R2SyncDurationSec) | $tot | $($req[1..8] -join ' | ') |"
    }
    & $L ''
    $ratioRows = @($summary | Where-Object { $_.Tool -eq 'R2Sync' -and ($null -ne $_.WallRatioVsRclone -or $null -ne $_.WallRatioVsRcloneFastList) })
    & $L '## Ratios R2Sync / rclone (below 1: R2Sync is better)'
    & $L ''
    if ($ratioRows) {
        & $L '| Case | Wall vs rclone | Wall vs --fast-list | CPU vs rclone | CPU vs --fast-list | RSS vs rclone | RSS vs --fast-list | Requests vs rclone | Requests vs --fast-list |'
        & $L '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
        foreach ($r in $ratioRows) {
            & $L "| $($r.Case) | $(Format-Num $r.WallRatioVsRclone) | $(Format-Num $r.WallRatioVsRcloneFastList) | $(Format-Num $r.CpuRatioVsRclone) | $(Format-Num $r.CpuRatioVsRcloneFastList) | $(Format-Num $r.RssRatioVsRclone) | $(Format-Num $r.RssRatioVsRcloneFastList) | $(Format-Num $r.RequestsRatioVsRclone) | $(Format-Num $r.RequestsRatioVsRcloneFastList) |"
        }
    }
    else { & $L '_No ratios: R2Sync and rclone did not both run successfully on any case._' }
    & $L ''
    & $L '## Request-count targets (N = synced files)'
    & $L ''
    & $L 'Targets of the project: a no-op sync in any mode makes at most ceil(N/1000)+2 requests; an initial push at most N PUTs + ceil(N/1000)+2 requests. They bind R2Sync; rclone rows are shown for reference.'
    & $L ''
    $trows = @($summary | Where-Object RequestTarget)
    if ($trows) {
        & $L '| Case | Tool | N | Observed | Target | Met |'; & $L '|---|---|---:|---|---|---|'
        foreach ($r in $trows) {
            $t = Get-TargetCheck $r
            & $L "| $($r.Case) | $($r.Tool) | $($r.Files) | $($t.Value) | $($t.Target) | $($r.RequestTargetMet) |"
        }
    }
    else { & $L '_No request-counted case ran._' }
    $prows = @($summary | Where-Object Case -Like 'plan-scale-*')
    if ($prows) {
        & $L ''
        & $L '## Planning-only scaling (R2Sync `Get-R2SyncPlan -Direction Push -Mode Full`, local-folder backend holding an identical copy)'
        & $L ''
        & $L '| Files | ok/runs | Wall s | CPU s | Peak RSS MB (tree) | RSS MB (1 proc) | Plan items | Detail |'; & $L '|---:|---|---:|---:|---:|---:|---:|---|'
        foreach ($r in $prows) {
            & $L "| $($r.Files) | $($r.OkRuns)/$($r.Runs) | $(Format-Num $r.WallSec) | $(Format-Num $r.CpuSec) | $(Format-Num $r.PeakTreeRssMB 0) | $(Format-Num $r.MaxRssSingleMB 0) | $($r.PlanItems) | $($r.Summary) |"
        }
    }
    $errs = @($summary | Where-Object Error)
    if ($errs) {
        & $L ''; & $L '## Failures'; & $L ''
        foreach ($r in $errs) { & $L "- $($r.Case) / $($r.Tool): $($r.Error -replace '\|', '\|')" }
    }
    & $L ''
    & $L '## Method'
    & $L ''
    foreach ($n in @(
            'Tree: `gen-experiments.py --files N --seed S` (synced files plus excluded **/activations/**, **/val_activations/**, **/inference/raw/** content); mutated tree: a copy of it with `--mutate F --seed 1` (new, same-size-modified, size-changed and deleted files).',
            'S3: moto 5 on loopback (bench/lib/moto_bench_server.py = moto.server plus /_bench/ control endpoints), one bucket `bench` (us-east-1), prefix `experiments/`. rclone is configured only through RCLONE_CONFIG_BENCH_* environment variables and an empty temp config file, with AWS_CA_BUNDLE removed from its environment.',
            'Bucket state: before every push/pull run the bucket is put, server-side, into the state the case needs: empty (push-initial), or the snapshot taken right after that tool family''s own push of the base tree (base-r2sync, base-rclone; rclone and rclone --fast-list share one). Snapshots are pickled copies of moto''s object store, so restored objects are byte- and metadata-identical to what the tool wrote (ETag, X-Amz-Meta-Mtime...). A restore is skipped only when the previous run left the bucket unchanged (no PUT/POST/DELETE logged). Each push-mutated run therefore starts from the exact pre-mutation state; the bench requests are not counted.',
            'Pulls: pull-empty downloads into a fresh folder; pull-noop-* pull again into the folder the same tool filled itself.',
            'rclone flags: Fast `copy --ignore-existing --transfers 16 --checkers 16`; Copy `copy --transfers 16 --checkers 16`; Full `sync --size-only --transfers 8 --checkers 8`; Checksum `sync --checksum --transfers 4 --checkers 4`; pulls use the same verb/flags with `--transfers 32 --checkers 64`; always the three --exclude and --copy-links; rclone-fastlist adds --fast-list. R2Sync gets the same -Transfers/-Checkers as rclone for the mode unless -R2SyncDefaultConcurrency.',
            'local-noop-full: R2Sync Push -Mode Full with R2_ENDPOINT=file:///<dir> (bucket `bench` = a folder in it, holding a real copy of the synced files) vs `rclone sync dirA dirB --size-only --transfers 8 --checkers 8` with the same excludes.',
            'Requests: moto/werkzeug logs one line per request; the log is sliced per run by (byte, line) offsets; LIST = GET on the bucket with a list-type/prefix/... query (or none), GET = object GET, other bucket-level GETs = other; POST includes DeleteObjects batches and multipart calls. Per-run line ranges are in the runs CSV.'
        ) + $Notes) { & $L "- $n" }

    $base = Join-Path $OutDir 'latest'
    $dated = Join-Path $OutDir "bench-$Stamp-N$($Params.SyncedFiles)"
    $md.ToString() | Set-Content -LiteralPath "$base.md" -Encoding utf8
    $summary | Export-Csv -LiteralPath "$base.csv" -NoTypeInformation -UseQuotes AsNeeded
    $Runs | Export-Csv -LiteralPath "$base-runs.csv" -NoTypeInformation -UseQuotes AsNeeded
    Copy-Item "$base.md" "$dated.md"; Copy-Item "$base.csv" "$dated.csv"; Copy-Item "$base-runs.csv" "$dated-runs.csv"
    @("$base.md", "$base.csv", "$base-runs.csv", "$dated.md")
}
