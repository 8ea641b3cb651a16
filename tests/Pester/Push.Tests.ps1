#Requires -Version 7.4
# Push-R2Experiment as a user runs it, against a real moto server over HTTP.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:R2SYNC_TEST_MODULE -Force
    $script:tree = New-TestTree -Files 400 -Seed 3
    # Regenerable data the default excludes must keep out, and near-misses that must sync.
    foreach ($rel in 'gemma-2-2b/extraction/chirp/humor/activations/all_layers.pt', 'gemma-2-2b/extraction/chirp/humor/val_activations/m.json',
        'gemma-2-2b/inference/raw/residual/p1.pt', 'gemma-2-2b/__pycache__/x.cpython-311.pyc', 'gemma-2-2b/.DS_Store', 'gemma-2-2b/tool.pyc') {
        $p = Join-Path $script:tree $rel
        New-Item -ItemType Directory -Path (Split-Path $p) -Force | Out-Null
        Set-Content -Path $p -Value "excluded $rel"
    }
    foreach ($rel in 'gemma-2-2b/activations_summary.json', 'gemma-2-2b/inference/raw_summary.json') {
        Set-Content -Path (Join-Path $script:tree $rel) -Value "{`"synced`": `"$rel`"}"
    }
    $script:local = Get-TreeFiles $script:tree
    $script:syncedCount = 402
}

AfterAll {
    Clear-TestCredential
    if ($script:tree) { Remove-Item (Split-Path $script:tree -Parent) -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Push-R2Experiment (Fast)' {
    BeforeAll {
        $script:bucket = New-TestBucket 'push'
        Set-TestCredential -Bucket $script:bucket
        $script:first = Push-R2Experiment -Path $script:tree
        $script:remote = Get-BucketKeys -Bucket $script:bucket
    }

    It 'uploads every synced file and returns one summary' {
        $synced = @($script:local.Keys | Where-Object { -not (Test-IsExcludedPath $_) })
        $synced.Count | Should -Be $script:syncedCount
        $script:first.Uploaded | Should -Be $script:syncedCount
        $script:first.Failed | Should -Be 0
        $script:remote.Count | Should -Be $script:syncedCount
        foreach ($rel in $synced) { $script:remote.ContainsKey("experiments/$rel") | Should -BeTrue -Because $rel }
    }

    It 'uploads no excluded file' {
        $excluded = @($script:local.Keys | Where-Object { Test-IsExcludedPath $_ })
        $excluded.Count | Should -BeGreaterThan 0 -Because 'the generated tree has activations to exclude'
        foreach ($rel in $excluded) { $script:remote.ContainsKey("experiments/$rel") | Should -BeFalse -Because $rel }
    }

    It 'stores identical bytes for every file (read back with boto3)' {
        $copy = Save-BucketTree -Bucket $script:bucket -Destination (Join-Path $TestDrive 'copy')
        $remoteFiles = Get-TreeFiles $copy
        $remoteFiles.Count | Should -Be $script:syncedCount
        foreach ($rel in $remoteFiles.Keys) { $remoteFiles[$rel] | Should -Be $script:local[$rel] -Because $rel }
    }

    It 'uploads nothing on a second run' {
        $second = Push-R2Experiment -Path $script:tree
        $second.Uploaded | Should -Be 0
        $second.Skipped | Should -Be $script:syncedCount
        $second.Failed | Should -Be 0
    }

    It 'reports Bytes and Duration in the summary' {
        $script:first.Bytes | Should -BeGreaterThan 0
        $script:first.Duration | Should -BeOfType [timespan]
    }
}

Describe 'Push-R2Experiment -WhatIf' {
    It 'uploads nothing and writes one What if line per upload' {
        $bucket = New-TestBucket 'whatif'
        Set-TestCredential -Bucket $bucket
        $transcript = Join-Path $TestDrive 'whatif.txt'
        Start-Transcript -Path $transcript | Out-Null
        try { $result = Push-R2Experiment -Path $script:tree -WhatIf } finally { Stop-Transcript | Out-Null }
        $out = Get-Content $transcript -Raw
        $result | Should -BeNullOrEmpty
        (Get-BucketKeys -Bucket $bucket).Count | Should -Be 0
        $lines = @($out -split "`n" | Where-Object { $_ -match '^What if: Performing the operation "Upload" on target "r2://' })
        $lines.Count | Should -Be $script:syncedCount
    }
}

Describe 'Errors a user meets' {
    BeforeEach { Clear-TestCredential }

    It 'a missing setting names the variable to set' {
        $env:R2_ENDPOINT = Get-TestEndpoint
        $env:R2_ACCESS_KEY_ID = 'k'; $env:R2_SECRET_ACCESS_KEY = 's'
        $err = $null
        try { Push-R2Experiment -Path $script:tree -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.MissingSetting'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'R2_BUCKET_NAME'
        $err.Exception.Message | Should -Match '-Bucket'
    }

    It 'a missing bucket is a clear terminating error' {
        Set-TestCredential -Bucket 'no-such-bucket-here'
        $err = $null
        try { Push-R2Experiment -Path $script:tree -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.BucketNotFound'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match 'bucket does not exist'
        $err.ScriptStackTrace | Should -Not -Match 'Amazon'
    }

    It 'an unreachable endpoint is a clear terminating error' {
        Set-TestCredential -Bucket 'any-bucket' -Endpoint "http://127.0.0.1:$(Get-FreePort)"
        $err = $null
        try { Push-R2Experiment -Path $script:tree -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.ConnectionFailed'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
    }

    It 'a malformed endpoint is an InvalidSetting error naming it' {
        Set-TestCredential -Bucket 'any-bucket' -Endpoint 'not a url'
        $err = $null
        try { Push-R2Experiment -Path $script:tree -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.InvalidSetting'
        $err.TargetObject | Should -Be 'not a url'
    }

    It 'a bad glob is an InvalidGlob error naming it' {
        Set-TestCredential -Bucket (New-TestBucket 'glob')
        $err = $null
        try { Push-R2Experiment -Path $script:tree -Exclude 'a/***/b' -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.InvalidGlob'
        $err.TargetObject | Should -Be 'a/***/b'
    }

    It 'a missing local folder is refused before anything happens' {
        Set-TestCredential -Bucket (New-TestBucket 'nolocal')
        $err = $null
        try { Push-R2Experiment -Path (Join-Path $TestDrive 'nope') -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.LocalRootMissing'
    }
}
