# Helpers shared by build.ps1, the demo, the Pester suite and the bench: native calls, moto, trx counts.
Set-StrictMode -Version Latest

function Invoke-Native {
    # Runs a native command and throws when it fails. A plain function, so '-c' and '-o' reach the command as they are.
    $Command, $Arguments = $args
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Get-FreePort {
    $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $l.Start()
    try { $l.LocalEndpoint.Port } finally { $l.Stop() }
}

function Get-RealPython {
    # python3 may be a pyenv shim that starts a child process; resolve the real interpreter so its PID is the server's.
    $exe = & python3 -c 'import sys; print(sys.executable)'
    if ($LASTEXITCODE -ne 0 -or -not $exe) { throw 'python3 was not found; moto needs it.' }
    $exe.Trim()
}

function Start-Moto {
    # Starts moto's S3 server on a free loopback port; returns @{ Endpoint; Process; Port; LogPath }.
    param([int] $Port = 0, [string] $LogPath, [hashtable] $Environment = @{})
    if ($Port -eq 0) { $Port = Get-FreePort }
    if (-not $LogPath) { $LogPath = Join-Path ([System.IO.Path]::GetTempPath()) "moto-$Port.log" }
    $psi = [System.Diagnostics.ProcessStartInfo]::new((Get-RealPython))
    foreach ($a in @('-m', 'moto.server', '-H', '127.0.0.1', '-p', "$Port")) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $proc = [System.Diagnostics.Process]::new()
    $proc.StartInfo = $psi
    $log = [System.IO.StreamWriter]::new($LogPath, $false)
    $log.AutoFlush = $true
    $writer = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
    $null = $proc.Start()
    # Drain both streams to the log file on background threads so the server never blocks on a full pipe.
    $drain = {
        param($reader, $log)
        while ($null -ne ($line = $reader.ReadLine())) { [System.Threading.Monitor]::Enter($log); try { $log.WriteLine($line) } finally { [System.Threading.Monitor]::Exit($log) } }
    }
    $rs = foreach ($r in @($proc.StandardOutput, $proc.StandardError)) {
        $ps = [powershell]::Create().AddScript($drain).AddArgument($r).AddArgument($log)
        [pscustomobject]@{ PS = $ps; Handle = $ps.BeginInvoke() }
    }
    $endpoint = "http://127.0.0.1:$Port"
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        if ($proc.HasExited) { throw "moto exited at start (code $($proc.ExitCode)); see $LogPath" }
        try {
            $null = Invoke-WebRequest -Uri "$endpoint/" -Method Get -TimeoutSec 2 -SkipHttpErrorCheck
            break
        }
        catch {
            if ([DateTime]::UtcNow -gt $deadline) { $proc.Kill($true); throw "moto did not answer on $endpoint within 30 s" }
            Start-Sleep -Milliseconds 200
        }
    }
    [pscustomobject]@{ Endpoint = $endpoint; Process = $proc; Port = $Port; LogPath = $LogPath; Log = $log; Drains = $rs }
}

function Stop-Moto {
    param($Moto)
    if (-not $Moto) { return }
    try { if (-not $Moto.Process.HasExited) { $Moto.Process.Kill($true); $null = $Moto.Process.WaitForExit(10000) } } catch { }
    foreach ($d in $Moto.Drains) { try { $null = $d.PS.EndInvoke($d.Handle); $d.PS.Dispose() } catch { } }
    try { $Moto.Log.Dispose() } catch { }
}

function New-MotoBucket {
    # moto does not check signatures by default: an unsigned PUT creates a bucket (region us-east-1).
    param([Parameter(Mandatory)][string] $Endpoint, [Parameter(Mandatory)][string] $Name)
    $null = Invoke-WebRequest -Uri "$Endpoint/$Name" -Method Put -TimeoutSec 30
}

function Read-TrxCounts {
    param([string] $Path)
    if (-not (Test-Path $Path)) { return [pscustomobject]@{ Passed = 0; Failed = 1; Total = 0 } }
    [xml] $x = Get-Content $Path -Raw
    $c = $x.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted; Total = [int]$c.total }
}

Export-ModuleMember -Function Invoke-Native, Get-FreePort, Get-RealPython, Start-Moto, Stop-Moto, New-MotoBucket, Read-TrxCounts
