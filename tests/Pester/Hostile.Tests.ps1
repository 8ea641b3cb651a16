#Requires -Version 7.4
# Remote keys are untrusted; local names are arbitrary. Hostile keys are planted with boto3, never with R2Sync.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:R2SYNC_TEST_MODULE -Force

    function Write-Key([string] $Bucket, [string] $Key, [string] $Text) {
        $f = Join-Path $TestDrive ("body-" + [guid]::NewGuid().ToString('N'))
        [IO.File]::WriteAllText($f, $Text)
        Write-BucketObject -Bucket $Bucket -Key $Key -File $f
    }
}

AfterAll { Clear-TestCredential }

Describe 'Pull of hostile keys' {
    BeforeAll {
        $script:bucket = New-TestBucket 'hostile'
        Set-TestCredential -Bucket $script:bucket
        $script:good = @{ 'experiments/m/good-1.txt' = 'one'; 'experiments/m/sub/good-2.txt' = 'two'; 'experiments/top.txt' = 'top' }
        foreach ($k in $script:good.Keys) { Write-Key $script:bucket $k $script:good[$k] }
        $script:hostile = @(
            'experiments/../escape-parent.txt'
            'experiments/m/../../../escape-deep.txt'
            'experiments//absolute.txt'
            'experiments/m\..\..\backslash.txt'
            'experiments/C:/drive.txt'
            'experiments/m/./dot.txt'
            "experiments/m/tab`tname.txt"
        )
        foreach ($k in $script:hostile) { Write-Key $script:bucket $k "hostile $k" }
        Write-Key $script:bucket 'experiments/m/folder-marker/' ''
        # The destination sits two levels down in a sandbox, so an escape would land inside the sandbox where we can see it.
        $script:sandbox = Join-Path $TestDrive 'sandbox'
        $script:dest = Join-Path $script:sandbox 'inner/experiments'
        $script:errs = @()
        $script:summary = Receive-R2Experiment -Path $script:dest -ErrorVariable +script:errs -ErrorAction SilentlyContinue
    }

    It 'Pull_HostileKeys_AreRefusedWithAnUnsafeKeyErrorNamingEachKey' {
        $unsafe = @($script:errs | Where-Object { $_.FullyQualifiedErrorId -like 'R2Sync.UnsafeKey*' })
        $unsafe.Count | Should -Be $script:hostile.Count
        foreach ($k in $script:hostile) {
            @($unsafe | Where-Object { $_.Exception.Message.Contains("'$k'") }).Count | Should -Be 1 -Because "the error names $k"
        }
        foreach ($e in $unsafe) { $e.CategoryInfo.Category | Should -Be 'InvalidData' }
        $script:summary.Failed | Should -Be $script:hostile.Count
    }

    It 'Pull_KeyWithDotDotSegment_IsRefusedAndNeverWritten' {
        $all = @(Get-ChildItem $script:sandbox -Recurse -File -Force | ForEach-Object { $_.FullName.Substring($script:sandbox.Length + 1).Replace('\', '/') })
        $all | Should -Not -Contain 'escape-parent.txt'
        $all | Should -Not -Contain 'inner/escape-parent.txt'
        ($all | Where-Object { $_ -match 'escape|backslash|drive|absolute|dot\.txt|tab' }) | Should -BeNullOrEmpty
        Test-Path '/escape-deep.txt' | Should -BeFalse
        Test-Path '/absolute.txt' | Should -BeFalse
    }

    It 'Pull_SafeKeysNextToHostileOnes_StillLand' {
        $files = Get-TreeFiles $script:dest
        $files.Count | Should -Be $script:good.Count
        foreach ($k in $script:good.Keys) {
            $p = Join-Path $script:dest ($k.Substring('experiments/'.Length))
            [IO.File]::ReadAllText($p) | Should -Be $script:good[$k]
        }
        $script:summary.Downloaded | Should -Be $script:good.Count
    }

    It 'Pull_FolderMarkerKey_IsSkippedWithoutError' {
        Test-Path (Join-Path $script:dest 'm/folder-marker') | Should -BeFalse
        @($script:errs | Where-Object { "$($_.Exception.Message)" -match 'folder-marker' }) | Should -BeNullOrEmpty
    }
}

Describe 'Pull of keys that differ only in case or Unicode normalization' {
    It 'Pull_NfcAndNfdKeys_AreReportedAndNeverOverwriteEachOther' {
        $bucket = New-TestBucket 'collide'
        Set-TestCredential -Bucket $bucket
        $nfc = "experiments/caf$([char]0x00E9).txt"
        $nfd = "experiments/cafe$([char]0x0301).txt"
        $upper = 'experiments/README.md'
        $lower = 'experiments/Readme.md'
        Write-Key $bucket $nfc 'nfc bytes'
        Write-Key $bucket $nfd 'nfd bytes'
        Write-Key $bucket $upper 'upper'
        Write-Key $bucket $lower 'lower'
        $dest = Join-Path $TestDrive 'collide/experiments'
        $warnings = @(); $errs = @()
        $r = Receive-R2Experiment -Path $dest -WarningVariable +warnings -ErrorVariable +errs -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        # Either the file system here keeps them apart (ext4: all land, with a warning naming both keys), or it folds
        # them (APFS, NTFS: the first lands, the other is an R2Sync.KeyCollision error). Never a silent overwrite.
        $reports = @($warnings | ForEach-Object { "$_" }) + @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'R2Sync.KeyCollision*' } | ForEach-Object { $_.Exception.Message })
        foreach ($k in $nfd, $lower) {
            @($reports | Where-Object { $_.Contains("'$k'") }).Count | Should -BeGreaterThan 0 -Because "the collision of $k is reported"
        }
        # Ordinal: PowerShell's own string comparison treats NFC and NFD spellings as equal.
        $expected = [System.Collections.Generic.Dictionary[string, string]]::new([StringComparer]::Ordinal)
        $expected["caf$([char]0x00E9).txt"] = 'nfc bytes'; $expected["cafe$([char]0x0301).txt"] = 'nfd bytes'
        $expected['README.md'] = 'upper'; $expected['Readme.md'] = 'lower'
        $landed = @(Get-ChildItem -LiteralPath $dest -File)
        foreach ($f in $landed) {
            $expected.ContainsKey($f.Name) | Should -BeTrue -Because "$($f.Name) is one of the keys"
            [IO.File]::ReadAllText($f.FullName) | Should -Be $expected[$f.Name] -Because "$($f.Name) holds its own key's bytes"
        }
        ($r.Downloaded + $r.Failed) | Should -Be 4
        $landed.Count | Should -Be $r.Downloaded
    }
}

Describe 'Awkward local names round-trip' {
    BeforeAll {
        $script:bucket = New-TestBucket 'names'
        Set-TestCredential -Bucket $script:bucket
        $script:src = Join-Path $TestDrive 'names-src/experiments'
        $deep = ((1..24) | ForEach-Object { "level-$_" }) -join '/'
        $script:names = @(
            'with space.txt', 'plus+sign.txt', 'percent%20literal.txt', 'hash#tag.txt', 'question?.txt', 'amp&and=eq.txt',
            "single'quote.txt", 'double"quote.txt', 'brackets[1].txt', 'braces{x}.txt', 'parens (copy).txt', 'semi;colon,comma.txt',
            'tilde~caret^.txt', 'dollar$var.txt', 'at@sign.txt', "caf$([char]0x00E9)-nfc.txt", "cafe$([char]0x0301)-nfd.txt",
            "$([char]0x65E5)$([char]0x672C)$([char]0x8A9E).txt", "rocket-$([char]::ConvertFromUtf32(0x1F680)).txt", 'empty.txt',
            'dir with space/inner+plus/file%.txt', "$deep/deep.txt", '.hidden-file', 'trailing.dot.', 'UPPER.TXT', 'x.txt'
        )
        $i = 0
        foreach ($n in $script:names) {
            $p = Join-Path $script:src $n
            [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($p)) | Out-Null
            if ($n -eq 'empty.txt') { [IO.File]::WriteAllBytes($p, [byte[]]@()) } else { [IO.File]::WriteAllText($p, "content $i of $n") }
            $i++
        }
        $script:push = Push-R2Experiment -Path $script:src -Mode Checksum
        $script:dest = Join-Path $TestDrive 'names-dest/experiments'
        $script:pull = Receive-R2Experiment -Path $script:dest -Mode Checksum
    }

    It 'Push_AwkwardNames_StoreOneObjectPerFileUnderTheExactName' {
        $script:push.Failed | Should -Be 0
        $script:push.Uploaded | Should -Be $script:names.Count
        $keys = Get-BucketKeys -Bucket $script:bucket
        $keys.Count | Should -Be $script:names.Count
        foreach ($n in $script:names) { $keys.ContainsKey("experiments/$n") | Should -BeTrue -Because $n }
        $keys['experiments/empty.txt'] | Should -Be 0
    }

    It 'Pull_AwkwardNames_RoundTripByteForByte' {
        $script:pull.Failed | Should -Be 0
        $script:pull.Downloaded | Should -Be $script:names.Count
        $a = Get-TreeFiles $script:src
        $b = Get-TreeFiles $script:dest
        $b.Count | Should -Be $a.Count
        foreach ($k in $a.Keys) { $b[$k] | Should -Be $a[$k] -Because $k }
    }

    It 'Plan_ChecksumAfterRoundTrip_IsEmptyBothWays' {
        @(Get-R2SyncPlan -Path $script:src -Direction Push -Mode Checksum) | Should -BeNullOrEmpty
        @(Get-R2SyncPlan -Path $script:dest -Direction Pull -Mode Checksum) | Should -BeNullOrEmpty
    }
}

Describe 'A full disk on pull' {
    It 'Pull_OntoAFullDisk_FailsThatItemOnlyAndLeavesNoPartialFile' {
        $mnt = Join-Path $TestDrive 'small-disk'
        New-Item -ItemType Directory -Path $mnt -Force | Out-Null
        & mount -t tmpfs -o size=1m tmpfs $mnt 2>$null
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'mounting a 1 MB tmpfs needs root'; return }
        try {
            $bucket = New-TestBucket 'diskfull'
            Set-TestCredential -Bucket $bucket
            $small = @{}
            foreach ($i in 1..10) {
                $small["experiments/m/small-$i.txt"] = ("$i" * 1000)
                Write-Key $bucket "experiments/m/small-$i.txt" $small["experiments/m/small-$i.txt"]
            }
            $big = Join-Path $TestDrive 'big.bin'
            $bytes = [byte[]]::new(3MB); [Random]::new(5).NextBytes($bytes); [IO.File]::WriteAllBytes($big, $bytes)
            Write-BucketObject -Bucket $bucket -Key 'experiments/m/z-big.bin' -File $big
            $dest = Join-Path $mnt 'experiments'
            $errs = @()
            $r = Receive-R2Experiment -Path $dest -Transfers 1 -ErrorVariable +errs -ErrorAction SilentlyContinue
            $r.Failed | Should -Be 1
            $r.Downloaded | Should -Be 10
            $e = @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'R2Sync.DownloadFailed*' })
            $e.Count | Should -Be 1
            $e[0].Exception.Message | Should -Match 'z-big\.bin'
            $e[0].CategoryInfo.Category | Should -Be 'WriteError'
            Test-Path -LiteralPath (Join-Path $dest 'm/z-big.bin') | Should -BeFalse
            @(Get-ChildItem $dest -Recurse -File -Force -Filter '.r2sync.*.tmp') | Should -BeNullOrEmpty
            foreach ($k in $small.Keys) { [IO.File]::ReadAllText((Join-Path $dest $k.Substring('experiments/'.Length))) | Should -Be $small[$k] }
        }
        finally { & umount $mnt 2>$null }
    }
}
