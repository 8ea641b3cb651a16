#Requires -Version 7.4
# rclone compatibility with the real rclone (Debian's) against the test moto: each tool reads the other's objects.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:R2SYNC_TEST_MODULE -Force
    # Never skipped: CI installs rclone (.ci/run), and a missing rclone must fail this suite, not hide it.
    if (-not (Get-Command rclone -ErrorAction SilentlyContinue)) { throw 'rclone is not installed (apt-get install rclone).' }
    $script:MiB = 1024 * 1024
    # rclone is configured purely through the environment (remote "moto"); only its own process loses AWS_CA_BUNDLE,
    # which would make it fail with LoadCustomCABundleError.
    $env:RCLONE_CONFIG_MOTO_TYPE = 's3'
    $env:RCLONE_CONFIG_MOTO_PROVIDER = 'Other'
    $env:RCLONE_CONFIG_MOTO_ENDPOINT = Get-TestEndpoint
    $env:RCLONE_CONFIG_MOTO_ACCESS_KEY_ID = 'rclone-key'
    $env:RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY = 'rclone-secret'
    $env:RCLONE_CONFIG_MOTO_FORCE_PATH_STYLE = 'true'
    $env:RCLONE_CONFIG_MOTO_REGION = 'us-east-1'
    # R2Sync's default excludes, in rclone's filter syntax.
    $script:Filters = @('--exclude', '**/activations/**', '--exclude', '**/val_activations/**', '--exclude', '**/inference/raw/**',
        '--exclude', '*.pyc', '--exclude', '**/__pycache__/**', '--exclude', '.DS_Store')
    function Invoke-Rclone {
        $out = & env -u AWS_CA_BUNDLE rclone @args 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
    }
    function New-MixedTree([int] $Seed) {
        $tree = New-TestTree -Files 25 -Seed $Seed
        $null = New-RandomFile -Path (Join-Path $tree 'gemma-2-2b/checkpoints/weights.bin') -Size (11 * $script:MiB + 7) -Seed $Seed
        Set-TreeOld $tree
        $tree
    }
}

AfterAll {
    Clear-TestCredential
    Get-ChildItem Env:RCLONE_CONFIG_MOTO_* | ForEach-Object { Remove-Item "Env:$($_.Name)" }
}

Describe 'After rclone uploads a tree' {
    BeforeAll {
        $script:tree = New-MixedTree 21
        $script:bucket = New-TestBucket 'rcup'
        Set-TestCredential -Bucket $script:bucket
        $script:copy = Invoke-Rclone copy $script:tree "moto:$($script:bucket)/experiments" --s3-upload-cutoff 5M --s3-chunk-size 5M @script:Filters
    }
    AfterAll { Remove-Item (Split-Path $script:tree -Parent) -Recurse -Force -ErrorAction SilentlyContinue }

    It 'rclone uploaded the large file in parts' {
        $script:copy.ExitCode | Should -Be 0 -Because $script:copy.Output
        (Get-BucketObjectInfo -Bucket $script:bucket -Prefix 'experiments/')['experiments/gemma-2-2b/checkpoints/weights.bin'].etag | Should -Match '-\d+$'
    }

    It 'R2Sync plans nothing in Full mode' {
        @(Get-R2SyncPlan -Path $script:tree -Mode Full).Count | Should -Be 0
    }

    It 'R2Sync plans nothing in Checksum mode (rclone''s md5chksum is read) and compares nothing by size' {
        @(Get-R2SyncPlan -Path $script:tree -Mode Checksum).Count | Should -Be 0
        $s = Push-R2Experiment -Path $script:tree -Checksum
        $s.Uploaded + $s.Deleted + $s.Failed | Should -Be 0
        $s.ComparedBySize | Should -Be 0
    }

    It 'R2Sync pulls every file with the modification time rclone pushed' {
        $dest = Join-Path $TestDrive 'pulled'
        $pull = Receive-R2Experiment -Path $dest
        $pull.Failed | Should -Be 0
        $pull.Downloaded | Should -BeGreaterThan 1
        $base = (Resolve-Path $dest).Path.TrimEnd('/') + '/'
        foreach ($f in Get-ChildItem $dest -Recurse -File) {
            $rel = $f.FullName.Substring($base.Length)
            $f.LastWriteTimeUtc | Should -Be (Get-Item -LiteralPath (Join-Path $script:tree $rel)).LastWriteTimeUtc -Because $rel
        }
    }
}

Describe 'After R2Sync uploads a tree' {
    BeforeAll {
        $script:tree = New-MixedTree 22
        $script:bucket = New-TestBucket 'r2up'
        Set-TestCredential -Bucket $script:bucket
        $script:push = Push-R2Experiment -Path $script:tree -MultipartThreshold 5MB -PartSize 5MB
    }
    AfterAll { Remove-Item (Split-Path $script:tree -Parent) -Recurse -Force -ErrorAction SilentlyContinue }

    It 'rclone check --checksum finds 0 differences (the multipart file included)' {
        $script:push.Failed | Should -Be 0
        (Get-BucketObjectInfo -Bucket $script:bucket -Prefix 'experiments/')['experiments/gemma-2-2b/checkpoints/weights.bin'].etag | Should -Match '-3$'
        $check = Invoke-Rclone check $script:tree "moto:$($script:bucket)/experiments" --checksum @script:Filters
        $check.ExitCode | Should -Be 0 -Because $check.Output
        $check.Output | Should -Match '0 differences found'
        $check.Output | Should -Not -Match 'hashes could not be checked'
    }

    It 'rclone sees the modification times R2Sync pushed' {
        $lsl = Invoke-Rclone lsf "moto:$($script:bucket)/experiments/gemma-2-2b/checkpoints" --format 'pt' --separator '|'
        $lsl.ExitCode | Should -Be 0 -Because $lsl.Output
        $line = ($lsl.Output -split "`n" | Where-Object { $_ -like 'weights.bin|*' })
        $expected = (Get-Item -LiteralPath (Join-Path $script:tree 'gemma-2-2b/checkpoints/weights.bin')).LastWriteTimeUtc
        ([datetime]::Parse(($line -split '\|')[1], [cultureinfo]::InvariantCulture)).ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss') |
            Should -Be $expected.ToString('yyyy-MM-dd HH:mm:ss')
    }
}
