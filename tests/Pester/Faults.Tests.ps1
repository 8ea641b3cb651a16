#Requires -Version 7.4
# Faults survived: push and pull through tests/tools/s3proxy.py (seeded resets mid-body, 503 SlowDown, stalls),
# and a pull killed with SIGKILL that the next run completes.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:R2SYNC_TEST_MODULE -Force
    $script:Repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

    function Start-FaultProxy {
        # Starts s3proxy.py in front of the test moto; returns @{ Process; Endpoint; Record }.
        param([string[]] $Arguments)
        $rec = Join-Path $TestDrive ("proxy-" + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.jsonl')
        $psi = [System.Diagnostics.ProcessStartInfo]::new('python3')
        foreach ($a in @((Join-Path $script:Repo 'tests/tools/s3proxy.py'), '--upstream', (Get-TestEndpoint), '--port', '0', '--record', $rec) + $Arguments) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.UseShellExecute = $false
        $p = [System.Diagnostics.Process]::Start($psi)
        $line = $p.StandardOutput.ReadLine()
        if ($line -notmatch '^LISTENING (\d+)$') { $p.Kill(); throw "s3proxy failed to start: $line" }
        [pscustomobject]@{ Process = $p; Endpoint = "http://127.0.0.1:$($Matches[1])"; Record = $rec }
    }

    function Stop-FaultProxy($Proxy) {
        if ($Proxy -and -not $Proxy.Process.HasExited) { $Proxy.Process.Kill(); $Proxy.Process.WaitForExit() }
    }

    function Get-ProxyRecord($Proxy) { @(Get-Content $Proxy.Record | ForEach-Object { $_ | ConvertFrom-Json }) }

    function Get-TempLeftovers([string] $Path) {
        @(Get-ChildItem $Path -Recurse -File -Force -Filter '.r2sync.*.tmp' -ErrorAction SilentlyContinue)
    }
}

AfterAll { Clear-TestCredential }

Describe 'Push and pull through a fault-injecting proxy' {
    BeforeAll {
        $script:bucket = New-TestBucket 'faults'
        $script:tree = New-TestTree -Files 150 -Seed 17 -Root (Join-Path $TestDrive 'fault-src')
        $script:local = Get-TreeFiles $script:tree
        $script:synced = @($script:local.Keys | Where-Object { -not (Test-IsExcludedPath $_) })
        $faults = @('--seed', '7', '--reset-rate', '0.06', '--slowdown-rate', '0.06', '--stall-rate', '0.04', '--stall-seconds', '1', '--max-faults', '40')
        $script:proxy = Start-FaultProxy $faults
        Set-TestCredential -Bucket $script:bucket -Endpoint $script:proxy.Endpoint
        $script:pushErrors = @()
        $script:push = Push-R2Experiment -Path $script:tree -RetryCount 8 -ErrorVariable +script:pushErrors -ErrorAction SilentlyContinue
        $script:pushRecord = Get-ProxyRecord $script:proxy
        Stop-FaultProxy $script:proxy

        $script:proxy2 = Start-FaultProxy ($faults[0..0] + @('8') + $faults[2..($faults.Count - 1)])
        Set-TestCredential -Bucket $script:bucket -Endpoint $script:proxy2.Endpoint
        $script:dest = Join-Path $TestDrive 'fault-dest/experiments'
        $script:pullErrors = @()
        $pulled = @(Receive-R2Experiment -Path $script:dest -RetryCount 8 -PassThru -ErrorVariable +script:pullErrors -ErrorAction SilentlyContinue)
        $script:pull = $pulled | Where-Object { $_.PSObject.Properties['Downloaded'] } | Select-Object -Last 1
        $script:pullItems = @($pulled | Where-Object { $_.PSObject.Properties['Attempts'] })
        $script:pullRecord = Get-ProxyRecord $script:proxy2
        Stop-FaultProxy $script:proxy2
        Set-TestCredential -Bucket $script:bucket
    }

    AfterAll { Stop-FaultProxy $script:proxy; Stop-FaultProxy $script:proxy2 }

    It 'Push_ThroughFaultProxy_MetFaultsOfEveryKind' {
        $kinds = @($script:pushRecord | Where-Object fault | ForEach-Object fault | Sort-Object -Unique)
        $kinds | Should -Contain 'slowdown'
        $kinds | Should -Contain 'stall'
        @($kinds | Where-Object { $_ -like 'reset*' }).Count | Should -BeGreaterThan 0
    }

    It 'Push_ThroughFaultProxy_StoresEveryFileByteForByteAndCountsTrue' {
        $script:pushErrors | Should -BeNullOrEmpty
        $script:push.Failed | Should -Be 0
        $script:push.Uploaded | Should -Be $script:synced.Count
        $copy = Save-BucketTree -Bucket $script:bucket -Destination (Join-Path $TestDrive 'fault-copy')
        $remote = Get-TreeFiles $copy
        $remote.Count | Should -Be $script:synced.Count
        foreach ($rel in $script:synced) { $remote[$rel] | Should -Be $script:local[$rel] -Because $rel }
    }

    It 'Pull_ThroughFaultProxy_MetResetsMidDownload' {
        @($script:pullRecord | Where-Object { $_.fault -eq 'reset' -and $_.method -eq 'GET' -and $_.path -notmatch '\?' }).Count | Should -BeGreaterThan 0
        # The SDK returns once the headers are in; a reset in the body is the engine's per-item retry to survive.
        @($script:pullItems | Where-Object { $_.Attempts -gt 1 }).Count | Should -BeGreaterThan 0
    }

    It 'Pull_ThroughFaultProxy_WritesEveryFileByteForByteAndCountsTrue' {
        $script:pullErrors | Should -BeNullOrEmpty
        $script:pull.Failed | Should -Be 0
        $script:pull.Downloaded | Should -Be $script:synced.Count
        $script:pullItems.Count | Should -Be $script:synced.Count
        $got = Get-TreeFiles $script:dest
        $got.Count | Should -Be $script:synced.Count
        foreach ($rel in $script:synced) { $got[$rel] | Should -Be $script:local[$rel] -Because $rel }
        Get-TempLeftovers $script:dest | Should -BeNullOrEmpty
    }
}

Describe 'A pull killed outright' {
    It 'Pull_KilledWithSigkill_LeavesNoPartialFileAndTheNextRunCompletes' {
        $bucket = New-TestBucket 'kill'
        Set-TestCredential -Bucket $bucket
        $tree = New-TestTree -Files 120 -Seed 23 -Root (Join-Path $TestDrive 'kill-src')
        $push = Push-R2Experiment -Path $tree
        $push.Failed | Should -Be 0
        $local = Get-TreeFiles $tree
        $synced = @($local.Keys | Where-Object { -not (Test-IsExcludedPath $_) })

        $dest = Join-Path $TestDrive 'kill-dest/experiments'

        # Every request is delayed, so the pull is still running when it is killed.
        $proxy = Start-FaultProxy @('--delay-ms', '150')
        try {
            $exe = [Environment]::ProcessPath
            $childArgs = @()
            if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $childArgs += (Join-Path $PSHOME 'pwsh.dll') }
            $script = "Import-Module '$($env:R2SYNC_TEST_MODULE)'; Receive-R2Experiment -Path '$dest' -Transfers 4 | Out-Null"
            $childArgs += @('-NoProfile', '-NonInteractive', '-Command', $script)
            $psi = [System.Diagnostics.ProcessStartInfo]::new($exe)
            foreach ($a in $childArgs) { $psi.ArgumentList.Add($a) }
            $psi.UseShellExecute = $false
            $psi.Environment['R2_ENDPOINT'] = $proxy.Endpoint
            $child = [System.Diagnostics.Process]::Start($psi)
            # Wait until downloads have started landing, then kill -9 the whole process.
            while (-not $child.HasExited -and @(Get-ChildItem $dest -Recurse -File -Force -ErrorAction SilentlyContinue | Where-Object Name -NotLike '.r2sync.*').Count -lt 10) {
                Start-Sleep -Milliseconds 50
            }
            $child.HasExited | Should -BeFalse -Because 'the kill must land mid-run'
            & kill -9 $child.Id
            $child.WaitForExit()
        }
        finally { Stop-FaultProxy $proxy }

        $landed = @(Get-ChildItem $dest -Recurse -File -Force | Where-Object Name -NotLike '.r2sync.*')
        $landed.Count | Should -BeLessThan $synced.Count -Because 'the pull was killed before it finished'
        $base = (Resolve-Path $dest).Path + '/'
        foreach ($f in $landed) {
            $rel = $f.FullName.Substring($base.Length)
            (Get-FileHash -Algorithm MD5 -LiteralPath $f.FullName).Hash.ToLowerInvariant() | Should -Be $local[$rel] -Because "$rel is complete at its final path"
        }

        # Whatever the kill left, plus a temporary file as a killed write leaves it: the next run must remove them.
        New-Item -ItemType Directory -Path (Join-Path $dest 'leftover') -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $dest "leftover/.r2sync.$([guid]::NewGuid().ToString('N')).tmp") -Value 'half a file'
        $next = Receive-R2Experiment -Path $dest
        $next.Failed | Should -Be 0
        $next.Downloaded | Should -Be ($synced.Count - $landed.Count)
        $got = Get-TreeFiles $dest
        $got.Count | Should -Be $synced.Count
        foreach ($rel in $synced) { $got[$rel] | Should -Be $local[$rel] -Because $rel }
        Get-TempLeftovers $dest | Should -BeNullOrEmpty
    }
}
