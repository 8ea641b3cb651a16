#Requires -Version 7.4
# The delete guards: nothing is deleted when one side looks empty, -MaxDelete, and the more-than-half rule.
# The suite runs in a -NonInteractive pwsh (build.ps1), so the more-than-half prompt cannot be answered there.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:R2SYNC_TEST_MODULE -Force

    function New-SyncedBucket {
        # A fresh bucket holding a pushed copy of a fresh tree; returns @{ Bucket; Tree; Files }.
        param([int] $Files = 100, [int] $Seed = 21)
        $bucket = New-TestBucket 'del'
        Set-TestCredential -Bucket $bucket
        $tree = New-TestTree -Files $Files -Seed $Seed -Root (Join-Path $TestDrive ("t" + [guid]::NewGuid().ToString('N').Substring(0, 8)))
        $r = Push-R2Experiment -Path $tree
        $r.Failed | Should -Be 0
        $keys = Get-BucketKeys -Bucket $bucket
        $keys.Count | Should -Be $r.Uploaded
        @{ Bucket = $bucket; Tree = $tree; Keys = $keys }
    }

    function Get-SyncedLocalFiles([string] $Tree) {
        @(Get-ChildItem $Tree -Recurse -File | Where-Object { -not (Test-IsExcludedPath ($_.FullName.Substring($Tree.Length + 1))) })
    }
}

AfterAll { Clear-TestCredential }

Describe 'Deletes when one side looks empty' {
    It 'Push_FullWithEmptyLocalRoot_IsRefusedAndDeletesNothing' {
        $s = New-SyncedBucket
        $empty = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'empty-experiments') -Force
        $err = $null
        try { Push-R2Experiment -Path $empty.FullName -Full -Force -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.DeleteRefused'
        $err.TargetObject | Should -Be $empty.FullName
        (Get-BucketKeys -Bucket $s.Bucket).Count | Should -Be $s.Keys.Count
    }

    It 'Push_FullWithMissingLocalRoot_IsRefusedAndDeletesNothing' {
        $s = New-SyncedBucket -Files 20
        $err = $null
        try { Push-R2Experiment -Path (Join-Path $TestDrive 'no-such-root') -Full -Force -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.LocalRootMissing'
        $err.Exception.Message | Should -Match 'nothing was deleted'
        (Get-BucketKeys -Bucket $s.Bucket).Count | Should -Be $s.Keys.Count
    }

    It 'Push_FullWithOnlyExcludedLocalFiles_IsRefusedAndDeletesNothing' {
        $s = New-SyncedBucket -Files 20
        $root = Join-Path $TestDrive 'only-excluded'
        $p = Join-Path $root 'm/activations/a.pt'
        New-Item -ItemType Directory -Path (Split-Path $p) -Force | Out-Null
        Set-Content -LiteralPath $p -Value 'regenerable'
        $err = $null
        try { Push-R2Experiment -Path $root -Full -Force -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.DeleteRefused'
        (Get-BucketKeys -Bucket $s.Bucket).Count | Should -Be $s.Keys.Count
    }

    It 'Pull_FullWithEmptyRemoteScope_IsRefusedAndDeletesNothing' {
        $bucket = New-TestBucket 'delempty'
        Set-TestCredential -Bucket $bucket
        $tree = New-TestTree -Files 30 -Seed 4 -Root (Join-Path $TestDrive 'pull-empty')
        $before = Get-TreeFiles $tree
        $err = $null
        try { Receive-R2Experiment -Path $tree -Full -Force -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.DeleteRefused'
        $err.Exception.Message | Should -Match 'empty'
        $after = Get-TreeFiles $tree
        $after.Count | Should -Be $before.Count
        foreach ($k in $before.Keys) { $after[$k] | Should -Be $before[$k] -Because $k }
    }
}

Describe '-MaxDelete' {
    It 'Push_MoreDeletesThanMaxDelete_RefusesTheDeletePhaseNamingTheCountButStillUploads' {
        $s = New-SyncedBucket
        $files = Get-SyncedLocalFiles $s.Tree
        $files[0..4] | Remove-Item
        Set-Content -LiteralPath (Join-Path $s.Tree 'new-after-push.txt') -Value 'new'
        $err = $null
        $out = $null
        try { Push-R2Experiment -Path $s.Tree -Full -MaxDelete 3 -ErrorAction Stop -OutVariable out | Out-Null } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.TooManyDeletes'
        $err.TargetObject | Should -Be 5
        $err.Exception.Message | Should -Match '\b5 deletions'
        $keys = Get-BucketKeys -Bucket $s.Bucket
        $keys.ContainsKey('experiments/new-after-push.txt') | Should -BeTrue -Because 'transfers still happen'
        $keys.Count | Should -Be ($s.Keys.Count + 1) -Because 'no deletion was performed'
        @($out | Where-Object { $_.PSObject.Properties['Deleted'] })[0].Deleted | Should -Be 0
    }

    It 'Push_DeletesWithinMaxDelete_AreDeleted' {
        $s = New-SyncedBucket -Files 40
        $files = Get-SyncedLocalFiles $s.Tree
        $gone = $files[0..1] | ForEach-Object { 'experiments/' + $_.FullName.Substring($s.Tree.Length + 1) }
        $files[0..1] | Remove-Item
        $r = Push-R2Experiment -Path $s.Tree -Full -MaxDelete 2
        $r.Deleted | Should -Be 2
        $keys = Get-BucketKeys -Bucket $s.Bucket
        foreach ($k in $gone) { $keys.ContainsKey($k) | Should -BeFalse -Because $k }
        $keys.Count | Should -Be ($s.Keys.Count - 2)
    }
}

Describe 'Deleting more than half' {
    It 'Push_DeletingMoreThanHalfInNonInteractiveSession_IsRefusedWithoutForce' {
        $s = New-SyncedBucket
        $files = Get-SyncedLocalFiles $s.Tree
        $n = [int][math]::Floor($files.Count * 0.6)
        $files[0..($n - 1)] | Remove-Item
        $err = $null
        try { Push-R2Experiment -Path $s.Tree -Full -ErrorAction Stop | Out-Null } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.DeleteRefused'
        $err.Exception.Message | Should -Match "$n of $($s.Keys.Count)"
        $err.Exception.Message | Should -Match '-Force'
        (Get-BucketKeys -Bucket $s.Bucket).Count | Should -Be $s.Keys.Count

        $r = Push-R2Experiment -Path $s.Tree -Full -Force
        $r.Deleted | Should -Be $n
        (Get-BucketKeys -Bucket $s.Bucket).Count | Should -Be ($s.Keys.Count - $n)
    }

    It 'Pull_DeletingMoreThanHalfInNonInteractiveSession_IsRefusedWithoutForce' {
        $s = New-SyncedBucket -Files 40
        $dest = Join-Path $TestDrive 'half-pull'
        $extra = New-TestTree -Files 60 -Seed 99 -Root $dest
        # The destination holds the 40 synced files plus 60+ files the bucket does not have: a Full pull deletes those.
        $r = Receive-R2Experiment -Path $extra
        $r.Failed | Should -Be 0
        $before = Get-TreeFiles $extra
        $err = $null
        try { Receive-R2Experiment -Path $extra -Full -ErrorAction Stop | Out-Null } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^R2Sync\.DeleteRefused'
        (Get-TreeFiles $extra).Count | Should -Be $before.Count
    }
}
