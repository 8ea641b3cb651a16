#Requires -Version 7.4
# Integrity: multipart uploads with MD5s, verified downloads, the hash cache of Checksum mode, objects without MD5.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:R2SYNC_TEST_MODULE -Force
    $script:MiB = 1024 * 1024
}

AfterAll { Clear-TestCredential }

Describe 'Push above -MultipartThreshold' {
    BeforeAll {
        $script:tree = New-TestTree -Files 20 -Seed 11
        $script:big = New-RandomFile -Path (Join-Path $script:tree 'gemma-2-2b/checkpoints/weights.bin') -Size (11 * $script:MiB + 1) -Seed 1
        $script:bigMd5 = (Get-FileHash -Algorithm MD5 -LiteralPath $script:big).Hash.ToLowerInvariant()
        $script:bucket = New-TestBucket 'mp'
        Set-TestCredential -Bucket $script:bucket
        $script:push = Push-R2Experiment -Path $script:tree -MultipartThreshold 5MB -PartSize 5MB
        $script:info = Get-BucketObjectInfo -Bucket $script:bucket -Prefix 'experiments/'
    }
    AfterAll { Remove-Item (Split-Path $script:tree -Parent) -Recurse -Force -ErrorAction SilentlyContinue }

    It 'uploads the large file in 5 MiB parts with md5chksum and mtime metadata (rclone keys)' {
        $script:push.Failed | Should -Be 0
        $o = $script:info['experiments/gemma-2-2b/checkpoints/weights.bin']
        $o.size | Should -Be (11 * $script:MiB + 1)
        $o.etag | Should -Match '-3$' -Because 'three parts: 5 MiB, 5 MiB and the rest'
        $o.metadata['md5chksum'] | Should -Be (ConvertTo-Md5Base64 $script:bigMd5)
        $o.metadata['mtime'] | Should -Be '1748779200.123456800'
    }

    It 'stores every file byte for byte (read back with boto3)' {
        $copy = Get-TreeFiles (Save-BucketTree -Bucket $script:bucket -Destination (Join-Path $TestDrive 'copy'))
        $local = Get-TreeFiles $script:tree
        $copy.Count | Should -BeGreaterThan 1
        foreach ($rel in $copy.Keys) { $copy[$rel] | Should -Be $local[$rel] -Because $rel }
    }

    It 'leaves nothing to do for a Checksum push (the multipart object is compared by its md5chksum)' {
        $again = Push-R2Experiment -Path $script:tree -Checksum
        $again.Uploaded | Should -Be 0
        $again.Deleted | Should -Be 0
        $again.ComparedBySize | Should -Be 0
    }

    It 'pulls the large file back with the pushed modification time' {
        $dest = Join-Path $TestDrive 'pulled'
        $pull = Receive-R2Experiment -Path $dest
        $pull.Failed | Should -Be 0
        $got = Get-Item -LiteralPath (Join-Path $dest 'gemma-2-2b/checkpoints/weights.bin')
        (Get-FileHash -Algorithm MD5 -LiteralPath $got.FullName).Hash.ToLowerInvariant() | Should -Be $script:bigMd5
        $got.LastWriteTimeUtc | Should -Be (Get-Item -LiteralPath $script:big).LastWriteTimeUtc
    }
}

Describe 'Checksum mode with the hash cache' {
    BeforeAll {
        $script:tree = New-TestTree -Files 30 -Seed 12
        Set-TreeOld $script:tree
        $script:bucket = New-TestBucket 'hc'
        Set-TestCredential -Bucket $script:bucket
        $null = Push-R2Experiment -Path $script:tree
        # Start from an empty cache so the first plan is cold.
        Remove-Item (Join-Path $env:R2SYNC_CACHE_DIR '*') -Force -ErrorAction SilentlyContinue
        function Get-FilesRead([object[]] $stream) {
            $line = @($stream | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'local file\(s\) read' })
            $line.Count | Should -Be 1
            [int]($line[0].Message -replace '^.*?; (\d+) local file\(s\) read.*$', '$1')
        }
        $script:cold = Get-R2SyncPlan -Path $script:tree -Mode Checksum -Verbose 4>&1
        $script:warm = Get-R2SyncPlan -Path $script:tree -Mode Checksum -Verbose 4>&1
        $script:synced = (Get-BucketKeys -Bucket $script:bucket -Prefix 'experiments/').Count
    }
    AfterAll { Remove-Item (Split-Path $script:tree -Parent) -Recurse -Force -ErrorAction SilentlyContinue }

    It 'reads every compared file on the first (cold) plan' {
        Get-FilesRead $script:cold | Should -Be $script:synced
        @($script:cold | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Count | Should -Be 0
    }

    It 'reads no file contents on a second plan over the unchanged tree' {
        Get-FilesRead $script:warm | Should -Be 0
        @($script:warm | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Count | Should -Be 0
    }

    It 'counts the files read in the summary of a Checksum push' {
        $s = Push-R2Experiment -Path $script:tree -Checksum
        $s.FilesRead | Should -Be 0
        $s.Uploaded | Should -Be 0
    }

    It 're-reads only a file whose modification time changed, and plans its same-size change' {
        $victim = Get-ChildItem $script:tree -Recurse -File -Filter *.json | Where-Object { -not (Test-IsExcludedPath ($_.FullName.Substring($script:tree.Length + 1))) -and $_.Length -ge 4 } | Select-Object -First 1
        $bytes = [IO.File]::ReadAllBytes($victim.FullName)
        $bytes[1] = if ($bytes[1] -eq 32) { 9 } else { 32 }  # same size, other content
        [IO.File]::WriteAllBytes($victim.FullName, $bytes)
        $victim.LastWriteTimeUtc = [datetime]::new(2025, 2, 2, 0, 0, 0, [DateTimeKind]::Utc)
        $plan = Get-R2SyncPlan -Path $script:tree -Mode Checksum -Verbose 4>&1
        Get-FilesRead $plan | Should -Be 1
        $items = @($plan | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $items.Count | Should -Be 1
        $items[0].Reason | Should -Be 'ContentChanged'
        $items[0].LocalPath | Should -Be $victim.FullName
    }

    It 'remembers the MD5s of pulled files: a Checksum pull right after a pull reads no file' {
        $dest = Join-Path $TestDrive 'pulled-hc'
        $first = Receive-R2Experiment -Path $dest
        $first.Downloaded | Should -Be $script:synced
        $again = Receive-R2Experiment -Path $dest -Checksum
        $again.Downloaded + $again.Deleted + $again.Failed | Should -Be 0
        $again.FilesRead | Should -Be 0
    }

    It 'keeps the cache in R2SYNC_CACHE_DIR, not inside the synced folder' {
        @(Get-ChildItem $env:R2SYNC_CACHE_DIR -Filter 'hashes-*.tsv').Count | Should -BeGreaterThan 0
        @(Get-ChildItem (Split-Path $script:tree -Parent) -Recurse -Force -Filter 'hashes-*').Count | Should -Be 0
    }
}

Describe 'Downloads are verified' {
    BeforeAll {
        $script:bucket = New-TestBucket 'corrupt'
        Set-TestCredential -Bucket $script:bucket
        $src = New-RandomFile -Path (Join-Path $TestDrive 'src/bad.bin') -Size (6 * $script:MiB) -Seed 3
        $good = New-RandomFile -Path (Join-Path $TestDrive 'src/good.bin') -Size 1000 -Seed 4
        # A multipart object (its ETag is no MD5) whose md5chksum does not match its bytes: what a corrupted
        # transfer looks like to the verifier.
        $wrong = ConvertTo-Md5Base64 ((Get-FileHash -Algorithm MD5 -LiteralPath $good).Hash)
        Write-BucketObject -Bucket $script:bucket -Key 'experiments/run/bad.bin' -File $src -MultipartMB 5 -Metadata @{ md5chksum = $wrong }
        Write-BucketObject -Bucket $script:bucket -Key 'experiments/run/good.bin' -File $good
        $script:dest = Join-Path $TestDrive 'pulled'
        $script:errs = $null
        $script:pull = Receive-R2Experiment -Path $script:dest -RetryCount 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $script:errs = $errs
    }

    It 'reports the mismatch as R2Sync.CorruptDownload after the retries, naming the file' {
        $script:pull.Failed | Should -Be 1
        $script:pull.Downloaded | Should -Be 1
        @($script:errs).Count | Should -Be 1
        $script:errs[0].FullyQualifiedErrorId | Should -BeLike 'R2Sync.CorruptDownload,*'
        $script:errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $script:errs[0].TargetObject | Should -Be (Join-Path $script:dest 'run/bad.bin')
        $script:errs[0].Exception.Message | Should -Match '2 attempt'
    }

    It 'discards the corrupt bytes and keeps the good file' {
        Test-Path (Join-Path $script:dest 'run/bad.bin') | Should -BeFalse
        @(Get-ChildItem $script:dest -Recurse -Force -Filter '.r2sync.*').Count | Should -Be 0
        Test-Path (Join-Path $script:dest 'run/good.bin') | Should -BeTrue
    }
}

Describe 'Objects without an MD5 in Checksum mode' {
    BeforeAll {
        $script:bucket = New-TestBucket 'nomd5'
        Set-TestCredential -Bucket $script:bucket
        $script:root = Join-Path $TestDrive 'experiments'
        $f = New-RandomFile -Path (Join-Path $script:root 'run/model.bin') -Size (6 * $script:MiB) -Seed 5
        # Another tool's multipart upload: a multipart ETag and no md5chksum.
        Write-BucketObject -Bucket $script:bucket -Key 'experiments/run/model.bin' -File $f -MultipartMB 5
    }

    It 'compares them by size, counts them, and does not upload them' {
        $info = Get-BucketObjectInfo -Bucket $script:bucket -Prefix 'experiments/'
        $info['experiments/run/model.bin'].etag | Should -Match '-2$'
        $info['experiments/run/model.bin'].metadata.Count | Should -Be 0
        foreach ($i in 1..2) {
            $s = Push-R2Experiment -Path $script:root -Checksum
            $s.Uploaded | Should -Be 0 -Because "run $i"
            $s.ComparedBySize | Should -Be 1 -Because "run $i"
        }
        @(Get-R2SyncPlan -Path $script:root -Mode Checksum).Count | Should -Be 0
    }
}
