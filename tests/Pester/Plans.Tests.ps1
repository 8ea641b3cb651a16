#Requires -Version 7.4
# Plans are the interface: Get-R2SyncPlan changes nothing; Sync-R2Experiment executes exactly the piped items
# (live or through Export-Clixml/Import-Clixml); -PassThru; the folder store; Ctrl+C on a pull.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ModeHelpers.psm1') -Force
    Import-Module $env:R2SYNC_TEST_MODULE -Force
}

AfterAll {
    Clear-TestCredential
}

Describe 'Get-R2SyncPlan and piped plans' {
    BeforeAll {
        $script:tree = New-TestTree -Files 120 -Seed 31
        $script:before = Get-SyncedTree $script:tree
        $script:buckets = @{}
        foreach ($n in 'plan', 'pipe', 'clixml') {
            $b = New-TestBucket $n
            Set-TestCredential -Bucket $b
            $null = Push-R2Experiment -Path $script:tree
            $script:buckets[$n] = $b
        }
        Invoke-TreeMutation -Experiments $script:tree -Fraction 0.1 -Seed 2
        $script:after = Get-SyncedTree $script:tree
        $script:changes = Get-ChangeSet -Before $script:before -After $script:after
        $script:full = Get-ExpectedActions -Mode 'Full' -Changes $script:changes
    }
    AfterAll { Remove-Item (Split-Path $script:tree -Parent) -Recurse -Force -ErrorAction SilentlyContinue }

    It 'Get-R2SyncPlan -Mode Full emits one typed item per action and changes nothing' {
        Set-TestCredential -Bucket $script:buckets['plan']
        $etagsBefore = Get-BucketEtags -Bucket $script:buckets['plan']

        $plan = @(Get-R2SyncPlan -Path $script:tree -Direction Push -Mode Full)

        Get-Paths $plan 'Upload' | Should -Be $script:full.Transfer
        Get-Paths $plan 'Delete' | Should -Be $script:full.Delete
        $plan.Count | Should -Be ($script:full.Transfer.Count + $script:full.Delete.Count)
        foreach ($i in $plan) {
            "$($i.Direction)" | Should -Be 'Push'
            $i.Key | Should -Be "experiments/$($i.RelativePath)"
            if ("$($i.Action)" -eq 'Upload') {
                $i.LocalPath | Should -Be (Join-Path $script:tree $i.RelativePath)
                $i.Size | Should -Be $script:after[$i.RelativePath].Size
                "$($i.Reason)" | Should -BeIn 'New', 'SizeChanged'
            }
            else { $i.RemoteSize | Should -Be $script:before[$i.RelativePath].Size; "$($i.Reason)" | Should -Be 'Deleted' }
        }
        @($plan | Where-Object { "$($_.Reason)" -eq 'SizeChanged' } | ForEach-Object { $_.RemoteSize }) |
            Should -Be @($script:changes.SizeChanged | ForEach-Object { $script:before[$_].Size })
        $etagsAfter = Get-BucketEtags -Bucket $script:buckets['plan']
        @($etagsAfter.Keys | Sort-Object) | Should -Be @($etagsBefore.Keys | Sort-Object)
        foreach ($k in $etagsBefore.Keys) { $etagsAfter[$k] | Should -Be $etagsBefore[$k] -Because $k }
    }

    It 'piping a plan without its deletes uploads exactly the planned uploads and deletes nothing' {
        Set-TestCredential -Bucket $script:buckets['pipe']

        $out = @(Get-R2SyncPlan -Path $script:tree -Mode Full | Where-Object Action -ne Delete | Sync-R2Experiment -PassThru)

        $results = @($out | Select-ItemResult)
        Get-Paths $results 'Upload' | Should -Be $script:full.Transfer
        Get-Paths $results 'Delete' | Should -Be @()
        $etags = Get-BucketEtags -Bucket $script:buckets['pipe'] -Prefix 'experiments/'
        foreach ($rel in $script:full.Delete) { $etags.ContainsKey("experiments/$rel") | Should -BeTrue -Because "$rel was filtered out of the plan" }
        foreach ($rel in $script:full.Transfer) { $etags["experiments/$rel"] | Should -Be $script:after[$rel].Md5 -Because $rel }
    }

    It '-PassThru emits one result per executed action, and one summary that agrees with them' {
        # (the run of the previous test)
        Set-TestCredential -Bucket $script:buckets['pipe']
        Remove-Item (Join-Path $script:tree $script:changes.New[0])

        $out = @(Push-R2Experiment -Path $script:tree -Full -PassThru)

        $results = @($out | Select-ItemResult)
        $summary = @($out | Select-Summary)
        $summary.Count | Should -Be 1
        $out[-1] | Should -Be $summary[0]
        $results.Count | Should -Be ($summary[0].Uploaded + $summary[0].Deleted)
        Get-Paths $results 'Delete' | Should -Be @(@($script:full.Delete) + $script:changes.New[0] | Sort-Object)
        foreach ($r in $results) {
            $r.Key | Should -Be "experiments/$($r.RelativePath)"
            $r.Attempts | Should -BeGreaterOrEqual 1
        }
        $summary[0].Failed | Should -Be 0
        Set-Content (Join-Path $script:tree $script:changes.New[0]) 'restored' # keep the tree for later tests consistent
    }

    It 'a plan through Export-Clixml/Import-Clixml executes exactly the selected items' {
        Set-TestCredential -Bucket $script:buckets['clixml']
        $xml = Join-Path $TestDrive 'plan.clixml'
        Get-R2SyncPlan -Path $script:tree -Mode Full | Export-Clixml -Path $xml
        $pick = @($script:full.Transfer[0], $script:full.Transfer[-1], $script:full.Delete[0])

        $out = @(Import-Clixml -Path $xml | Where-Object RelativePath -In $pick | Sync-R2Experiment -PassThru)

        $results = @($out | Select-ItemResult)
        @($results | ForEach-Object RelativePath | Sort-Object) | Should -Be @($pick | Sort-Object)
        $etags = Get-BucketEtags -Bucket $script:buckets['clixml'] -Prefix 'experiments/'
        $etags.ContainsKey("experiments/$($script:full.Delete[0])") | Should -BeFalse
        foreach ($rel in $script:full.Delete | Select-Object -Skip 1) { $etags.ContainsKey("experiments/$rel") | Should -BeTrue -Because $rel }
        $notPicked = @($script:changes.New | Where-Object { $_ -notin $pick })
        foreach ($rel in $notPicked) { $etags.ContainsKey("experiments/$rel") | Should -BeFalse -Because "$rel was not selected" }
    }

    It 'a stale piped item is reported, not executed' {
        Set-TestCredential -Bucket $script:buckets['clixml']
        $rel = @($script:changes.New | Where-Object { $_ -notin $script:full.Transfer[0], $script:full.Transfer[-1] })[0]
        $plan = @(Get-R2SyncPlan -Path $script:tree -Mode Fast | Where-Object RelativePath -EQ $rel)
        $plan.Count | Should -Be 1
        Add-Content -Path (Join-Path $script:tree $rel) -Value 'grew after the plan'

        $summary = $plan | Sync-R2Experiment -WarningVariable warn -WarningAction SilentlyContinue

        $summary.Uploaded | Should -Be 0
        $summary.Stale | Should -Be 1
        (Get-BucketEtags -Bucket $script:buckets['clixml'] -Prefix "experiments/$rel").Count | Should -Be 0
        "$warn" | Should -Match ([regex]::Escape($rel))
    }
}

Describe 'Piping only the deletes of a plan' {
    It 'deletes exactly the piped keys, without asking (the plan is the confirmation)' {
        $tree = New-TestTree -Files 40 -Seed 34 -Root (Join-Path $TestDrive 'del')
        $bucket = New-TestBucket 'pipedel'
        Set-TestCredential -Bucket $bucket
        $null = Push-R2Experiment -Path $tree
        $gone = @(Get-ChildItem $tree -Recurse -File | Select-Object -First 3)
        $goneRel = @($gone | ForEach-Object { $_.FullName.Substring($tree.Length + 1) } | Sort-Object)
        $gone | Remove-Item

        $out = @(Get-R2SyncPlan -Path $tree -Mode Full | Where-Object Action -EQ Delete | Sync-R2Experiment -PassThru -ErrorAction Stop)

        Get-Paths ($out | Select-ItemResult) 'Delete' | Should -Be $goneRel
        $keys = Get-BucketEtags -Bucket $bucket -Prefix 'experiments/'
        $keys.Count | Should -Be (40 - 3)
        foreach ($rel in $goneRel) { $keys.ContainsKey("experiments/$rel") | Should -BeFalse -Because $rel }
    }
}

Describe 'The folder store (file:/// endpoint)' {
    It 'a push then a pull through -Endpoint file:///... round-trips the tree byte for byte' {
        $tree = New-TestTree -Files 60 -Seed 32 -Root (Join-Path $TestDrive 'src')
        $store = Join-Path $TestDrive 'store'
        New-Item -ItemType Directory -Path (Join-Path $store 'bucket') -Force | Out-Null
        $endpoint = "file://$store"
        $cred = [pscredential]::new('folder', (ConvertTo-SecureString 'unused' -AsPlainText -Force))
        $source = Get-SyncedTree $tree
        $dest = Join-Path $TestDrive 'dst/experiments'

        $pushed = Push-R2Experiment -Path $tree -Endpoint $endpoint -Bucket 'bucket' -Credential $cred
        $pulled = Receive-R2Experiment -Path $dest -Endpoint $endpoint -Bucket 'bucket' -Credential $cred

        $pushed.Uploaded | Should -Be $source.Count
        $pulled.Downloaded | Should -Be $source.Count
        $inStore = Get-SyncedTree (Join-Path $store 'bucket/experiments') -IncludeExcluded
        $back = Get-SyncedTree $dest -IncludeExcluded
        @($inStore.Keys | Sort-Object) | Should -Be @($source.Keys | Sort-Object)
        @($back.Keys | Sort-Object) | Should -Be @($source.Keys | Sort-Object)
        foreach ($rel in $source.Keys) {
            $inStore[$rel].Md5 | Should -Be $source[$rel].Md5 -Because $rel
            $back[$rel].Md5 | Should -Be $source[$rel].Md5 -Because $rel
        }
    }
}

Describe 'Ctrl+C on a pull' {
    BeforeAll {
        $script:tree = New-TestTree -Files 200 -Seed 33
        # A few larger files, so that some download is likely in flight when the pull is stopped.
        $rng = [Random]::new(7)
        foreach ($n in 1..3) {
            $bytes = [byte[]]::new(3MB); $rng.NextBytes($bytes)
            [IO.File]::WriteAllBytes((Join-Path $script:tree "gemma-2-2b/zz-big-$n.bin"), $bytes)
        }
        $script:source = Get-SyncedTree $script:tree
        $script:bucket = New-TestBucket 'stop'
        Set-TestCredential -Bucket $script:bucket
        $null = Push-R2Experiment -Path $script:tree
    }
    AfterAll { Remove-Item (Split-Path $script:tree -Parent) -Recurse -Force -ErrorAction SilentlyContinue }

    It 'Stop() after the first downloads leaves no partial or temporary file, and a second run completes' {
        $dest = Join-Path $TestDrive 'stopped/experiments'
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$($env:R2SYNC_TEST_MODULE)'; Receive-R2Experiment -Path '$dest' -Transfers 2")
        $async = $ps.BeginInvoke()
        # Wait for the first completed download (a condition, not a time; the loop only bounds a hang).
        for ($i = 0; $i -lt 6000 -and -not $async.IsCompleted; $i++) {
            if ((Test-Path $dest) -and @(Get-ChildItem $dest -Recurse -File -Force | Where-Object Name -NotLike '.r2sync.*').Count -gt 0) { break }
            Start-Sleep -Milliseconds 10
        }
        $ps.Stop()
        $ps.Dispose()

        $present = Get-SyncedTree $dest -IncludeExcluded
        $present.Count | Should -BeGreaterThan 0
        $present.Count | Should -BeLessThan $script:source.Count -Because 'the pull was stopped before the end'
        @(Get-ChildItem $dest -Recurse -Force -File -Filter '.r2sync.*.tmp').Count | Should -Be 0
        foreach ($rel in $present.Keys) { $present[$rel].Md5 | Should -Be $script:source[$rel].Md5 -Because "$rel is complete or absent" }

        $second = Receive-R2Experiment -Path $dest

        $second.Downloaded | Should -Be ($script:source.Count - $present.Count)
        $second.Failed | Should -Be 0
        $final = Get-SyncedTree $dest -IncludeExcluded
        @($final.Keys | Sort-Object) | Should -Be @($script:source.Keys | Sort-Object)
        foreach ($rel in $script:source.Keys) { $final[$rel].Md5 | Should -Be $script:source[$rel].Md5 -Because $rel }
    }
}
