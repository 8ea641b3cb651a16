#Requires -Version 7.4
# The mode table, both directions, against a real moto: the sets of keys uploaded, downloaded and deleted are
# computed here from the before/after trees (gen-experiments.py --mutate), never from R2Sync's own plan.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ModeHelpers.psm1') -Force
    Import-Module $env:R2SYNC_TEST_MODULE -Force
    $script:modes = 'Fast', 'Copy', 'Full', 'Checksum'
    function Get-ModeSwitch([string] $Mode) { $s = @{}; if ($Mode -ne 'Fast') { $s[$Mode] = $true }; $s }
}

AfterAll {
    Clear-TestCredential
}

Describe 'Push modes (local → bucket)' {
    BeforeAll {
        $script:tree = New-TestTree -Files 200 -Seed 21
        $script:before = Get-SyncedTree $script:tree
        $script:buckets = @{}
        foreach ($m in $script:modes + 'WhatIf') {
            $b = New-TestBucket "push-$($m.ToLowerInvariant())"
            Set-TestCredential -Bucket $b
            $null = Push-R2Experiment -Path $script:tree
            $script:buckets[$m] = $b
        }
        # An excluded object written by another tool: no mode may delete it (the local side never has it).
        $script:excludedKey = 'experiments/gemma-2-2b/extraction/chirp/x/activations/all_layers.pt'
        $blob = Join-Path $TestDrive 'excluded.pt'
        Set-Content -Path $blob -Value 'regenerable activations'
        foreach ($m in $script:modes) { Write-BucketObject -Bucket $script:buckets[$m] -Key $script:excludedKey -File $blob }
        Invoke-TreeMutation -Experiments $script:tree -Fraction 0.08 -Seed 1
        $script:after = Get-SyncedTree $script:tree
        $script:changes = Get-ChangeSet -Before $script:before -After $script:after
        $script:out = @{}
        foreach ($m in $script:modes) {
            Set-TestCredential -Bucket $script:buckets[$m]
            $sw = Get-ModeSwitch $m
            $script:out[$m] = @(Push-R2Experiment -Path $script:tree -PassThru @sw)
        }
    }
    AfterAll { Remove-Item (Split-Path $script:tree -Parent) -Recurse -Force -ErrorAction SilentlyContinue }

    It 'the mutation made every kind of change (the table below is not vacuous)' {
        $script:changes.New.Count | Should -BeGreaterThan 0
        $script:changes.Deleted.Count | Should -BeGreaterThan 0
        $script:changes.SizeChanged.Count | Should -BeGreaterThan 0
        $script:changes.SameSizeChanged.Count | Should -BeGreaterThan 0
    }

    It 'Push <Mode> uploads and deletes exactly the keys the mode table names' -ForEach @(
        @{ Mode = 'Fast' }, @{ Mode = 'Copy' }, @{ Mode = 'Full' }, @{ Mode = 'Checksum' }) {
        $expected = Get-ExpectedActions -Mode $Mode -Changes $script:changes
        $results = @($script:out[$Mode] | Select-ItemResult)

        Get-Paths $results 'Upload' | Should -Be $expected.Transfer
        Get-Paths $results 'Delete' | Should -Be $expected.Delete
        $summary = @($script:out[$Mode] | Select-Summary)
        $summary.Count | Should -Be 1
        $summary[0].Uploaded | Should -Be $expected.Transfer.Count
        $summary[0].Deleted | Should -Be $expected.Delete.Count
        $summary[0].Failed | Should -Be 0
    }

    It 'Push <Mode> leaves the bucket holding exactly the expected content (read back over REST)' -ForEach @(
        @{ Mode = 'Fast' }, @{ Mode = 'Copy' }, @{ Mode = 'Full' }, @{ Mode = 'Checksum' }) {
        $expected = Get-ExpectedActions -Mode $Mode -Changes $script:changes
        $want = @{}
        foreach ($rel in $script:before.Keys) { $want["experiments/$rel"] = $script:before[$rel].Md5 }
        foreach ($rel in $expected.Transfer) { $want["experiments/$rel"] = $script:after[$rel].Md5 }
        foreach ($rel in $expected.Delete) { $want.Remove("experiments/$rel") }
        $want[$script:excludedKey] = (Get-FileHash -Algorithm MD5 (Join-Path $TestDrive 'excluded.pt')).Hash.ToLowerInvariant()

        $etags = Get-BucketEtags -Bucket $script:buckets[$Mode] -Prefix 'experiments/'

        @($etags.Keys | Sort-Object) | Should -Be @($want.Keys | Sort-Object)
        foreach ($k in $want.Keys) { $etags[$k] | Should -Be $want[$k] -Because $k }
    }

    It 'Push -Mode Full -WhatIf lists every upload and delete and changes nothing' {
        Set-TestCredential -Bucket $script:buckets['WhatIf']
        $expected = Get-ExpectedActions -Mode 'Full' -Changes $script:changes
        $etagsBefore = Get-BucketEtags -Bucket $script:buckets['WhatIf']
        $transcript = Join-Path $TestDrive 'push-whatif.txt'

        Start-Transcript -Path $transcript | Out-Null
        try { $result = Sync-R2Experiment -Direction Push -Mode Full -Path $script:tree -WhatIf } finally { Stop-Transcript | Out-Null }

        $result | Should -BeNullOrEmpty
        $etagsAfter = Get-BucketEtags -Bucket $script:buckets['WhatIf']
        @($etagsAfter.Keys | Sort-Object) | Should -Be @($etagsBefore.Keys | Sort-Object)
        foreach ($k in $etagsBefore.Keys) { $etagsAfter[$k] | Should -Be $etagsBefore[$k] -Because $k }
        $lines = Get-Content $transcript
        $deletes = @($lines | Where-Object { $_ -match '^What if: Performing the operation "Delete" on target "r2://[^/]+/experiments/(.+)"\.$' } | ForEach-Object { $Matches[1] } | Sort-Object)
        $uploads = @($lines | Where-Object { $_ -match '^What if: Performing the operation "Upload" on target "r2://[^/]+/experiments/(.+)"\.$' } | ForEach-Object { $Matches[1] } | Sort-Object)
        $deletes | Should -Be $expected.Delete
        $uploads | Should -Be $expected.Transfer
    }
}

Describe 'Pull modes (bucket → local)' {
    BeforeAll {
        $script:tree = New-TestTree -Files 200 -Seed 22
        $script:beforeCopy = Copy-Tree -From $script:tree -To (Join-Path $TestDrive 'before/experiments')
        # Excluded (regenerable) files on the local side, which no pull may delete.
        foreach ($rel in 'gemma-2-2b/extraction/chirp/x/activations/all_layers.pt', 'gemma-2-2b/__pycache__/m.cpython-311.pyc', 'gemma-2-2b/inference/raw/r/p1.pt') {
            $p = Join-Path $script:beforeCopy $rel
            New-Item -ItemType Directory -Path (Split-Path $p) -Force | Out-Null
            Set-Content -Path $p -Value "excluded $rel"
        }
        $script:before = Get-SyncedTree $script:tree
        Invoke-TreeMutation -Experiments $script:tree -Fraction 0.08 -Seed 1
        # Old, distinct, whole-second mtimes on the source, so a pulled file's mtime can only come from its metadata.
        $script:epoch = [datetime]::new(2024, 3, 1, 12, 0, 0, [DateTimeKind]::Utc)
        $i = 0
        foreach ($f in Get-ChildItem $script:tree -Recurse -File) { $f.LastWriteTimeUtc = $script:epoch.AddSeconds($i++ * 7) }
        $script:after = Get-SyncedTree $script:tree
        $script:changes = Get-ChangeSet -Before $script:before -After $script:after
        $script:bucket = New-TestBucket 'pull'
        Set-TestCredential -Bucket $script:bucket
        $null = Push-R2Experiment -Path $script:tree
        # An excluded object written by another tool: no pull may download it.
        $blob = Join-Path $TestDrive 'excluded.pt'
        Set-Content -Path $blob -Value 'regenerable activations'
        Write-BucketObject -Bucket $script:bucket -Key 'experiments/gemma-2-2b/steering/activations/remote.pt' -File $blob
        $script:local = @{}
        $script:out = @{}
        foreach ($m in $script:modes) {
            $dest = Copy-Tree -From $script:beforeCopy -To (Join-Path $TestDrive "pull-$m/experiments")
            $script:local[$m] = $dest
            $sw = Get-ModeSwitch $m
            $script:out[$m] = @(Receive-R2Experiment -Path $dest -PassThru @sw)
        }
    }
    AfterAll { Remove-Item (Split-Path $script:tree -Parent) -Recurse -Force -ErrorAction SilentlyContinue }

    It 'the bucket holds exactly the mutated tree (checked over REST)' {
        $etags = Get-BucketEtags -Bucket $script:bucket -Prefix 'experiments/'
        @($etags.Keys | Sort-Object) | Should -Be @(@($script:after.Keys | ForEach-Object { "experiments/$_" }) + 'experiments/gemma-2-2b/steering/activations/remote.pt' | Sort-Object)
        $script:changes.SameSizeChanged.Count | Should -BeGreaterThan 0
        $script:changes.Deleted.Count | Should -BeGreaterThan 0
    }

    It 'Pull <Mode> downloads and deletes exactly the files the mode table names' -ForEach @(
        @{ Mode = 'Fast' }, @{ Mode = 'Copy' }, @{ Mode = 'Full' }, @{ Mode = 'Checksum' }) {
        $expected = Get-ExpectedActions -Mode $Mode -Changes $script:changes
        $results = @($script:out[$Mode] | Select-ItemResult)

        Get-Paths $results 'Download' | Should -Be $expected.Transfer
        Get-Paths $results 'Delete' | Should -Be $expected.Delete
        $summary = @($script:out[$Mode] | Select-Summary)
        $summary.Count | Should -Be 1
        $summary[0].Downloaded | Should -Be $expected.Transfer.Count
        $summary[0].Deleted | Should -Be $expected.Delete.Count
        $summary[0].Failed | Should -Be 0
    }

    It 'Pull <Mode> leaves the local tree holding exactly the expected content' -ForEach @(
        @{ Mode = 'Fast' }, @{ Mode = 'Copy' }, @{ Mode = 'Full' }, @{ Mode = 'Checksum' }) {
        $expected = Get-ExpectedActions -Mode $Mode -Changes $script:changes
        $want = @{}
        foreach ($rel in $script:before.Keys) { $want[$rel] = $script:before[$rel].Md5 }
        foreach ($rel in $expected.Transfer) { $want[$rel] = $script:after[$rel].Md5 }
        foreach ($rel in $expected.Delete) { $want.Remove($rel) }

        $now = Get-SyncedTree $script:local[$Mode]

        @($now.Keys | Sort-Object) | Should -Be @($want.Keys | Sort-Object)
        foreach ($rel in $want.Keys) { $now[$rel].Md5 | Should -Be $want[$rel] -Because $rel }
    }

    It 'Pull <Mode> never deletes an excluded local file' -ForEach @(@{ Mode = 'Full' }, @{ Mode = 'Checksum' }) {
        $excludedBefore = @((Get-SyncedTree $script:beforeCopy -IncludeExcluded).Keys | Where-Object { Test-IsExcludedPath $_ } | Sort-Object)
        $excludedBefore.Count | Should -BeGreaterThan 0

        $excludedNow = @((Get-SyncedTree $script:local[$Mode] -IncludeExcluded).Keys | Where-Object { Test-IsExcludedPath $_ } | Sort-Object)

        $excludedNow | Should -Be $excludedBefore
    }

    It 'Fast pull never overwrites or deletes a local file' {
        $now = Get-SyncedTree $script:local['Fast']
        foreach ($rel in $script:before.Keys) {
            $now.ContainsKey($rel) | Should -BeTrue -Because "$rel was local before the pull"
            $now[$rel].Md5 | Should -Be $script:before[$rel].Md5 -Because $rel
        }
    }

    It 'a pull into an empty folder is byte-identical with the source, with the source mtimes' {
        $dest = Join-Path $TestDrive 'fresh/experiments'

        $summary = Receive-R2Experiment -Path $dest

        $summary.Downloaded | Should -Be $script:after.Count
        $pulled = Get-SyncedTree $dest -IncludeExcluded
        @($pulled.Keys | Sort-Object) | Should -Be @($script:after.Keys | Sort-Object)
        foreach ($rel in $script:after.Keys) {
            $pulled[$rel].Md5 | Should -Be $script:after[$rel].Md5 -Because $rel
            $src = (Get-Item -LiteralPath (Join-Path $script:tree $rel)).LastWriteTimeUtc
            $got = (Get-Item -LiteralPath (Join-Path $dest $rel)).LastWriteTimeUtc
            [math]::Abs(($got - $src).TotalMilliseconds) | Should -BeLessThan 1 -Because "$rel mtime ($got vs $src)"
        }
        @(Get-ChildItem $dest -Recurse -Force -Filter '.r2sync.*.tmp').Count | Should -Be 0
    }

    It 'Pull -Mode Full -WhatIf lists every delete and changes nothing locally' {
        $dest = Copy-Tree -From $script:beforeCopy -To (Join-Path $TestDrive 'pull-whatif/experiments')
        $expected = Get-ExpectedActions -Mode 'Full' -Changes $script:changes
        $treeBefore = Get-SyncedTree $dest -IncludeExcluded
        $transcript = Join-Path $TestDrive 'pull-whatif.txt'

        Start-Transcript -Path $transcript | Out-Null
        try { $result = Sync-R2Experiment -Direction Pull -Mode Full -Path $dest -WhatIf } finally { Stop-Transcript | Out-Null }

        $result | Should -BeNullOrEmpty
        $treeAfter = Get-SyncedTree $dest -IncludeExcluded
        @($treeAfter.Keys | Sort-Object) | Should -Be @($treeBefore.Keys | Sort-Object)
        foreach ($rel in $treeBefore.Keys) { $treeAfter[$rel].Md5 | Should -Be $treeBefore[$rel].Md5 -Because $rel }
        $root = (Resolve-Path $dest).Path.TrimEnd('/') + '/'
        $deletes = @(Get-Content $transcript | Where-Object { $_ -match '^What if: Performing the operation "Delete" on target "(.+)"\.$' } |
                ForEach-Object { $Matches[1].Substring($root.Length) } | Sort-Object)
        $deletes | Should -Be $expected.Delete
    }
}

Describe 'Scoping with -Experiment' {
    BeforeAll {
        $script:tree = New-TestTree -Files 100 -Seed 23
        # Two more experiment folders, one of them a name prefix of another ('exp-b' vs 'exp-b2').
        foreach ($rel in 'exp-b/run1/metrics.json', 'exp-b/run1/config.json', 'exp-b/notes.md', 'exp-b2/x.json', 'exp-c/y.json') {
            $p = Join-Path $script:tree $rel
            New-Item -ItemType Directory -Path (Split-Path $p) -Force | Out-Null
            Set-Content -Path $p -Value "content of $rel"
        }
        $script:bucket = New-TestBucket 'scope'
        Set-TestCredential -Bucket $script:bucket
        $null = Push-R2Experiment -Path $script:tree
        $script:all = Get-BucketEtags -Bucket $script:bucket -Prefix 'experiments/'
        $script:gemmaFile = @($script:all.Keys | Where-Object { $_ -like 'experiments/gemma-2-2b/*' } | Sort-Object)[0]
    }
    AfterAll { Remove-Item (Split-Path $script:tree -Parent) -Recurse -Force -ErrorAction SilentlyContinue }

    It 'a scoped Full push deletes and uploads only inside the named experiments' {
        $local = Copy-Tree -From $script:tree -To (Join-Path $TestDrive 'scoped-push/experiments')
        Remove-Item (Join-Path $local 'exp-b/notes.md'), (Join-Path $local 'exp-b2/x.json'), (Join-Path $local 'exp-c/y.json')
        Remove-Item (Join-Path $local $script:gemmaFile.Substring('experiments/'.Length))
        Set-Content (Join-Path $local 'exp-b/new.json') 'new in scope'
        Set-Content (Join-Path $local 'exp-c/new.json') 'new outside the scope'

        $out = @(Sync-R2Experiment -Direction Push -Mode Full -Path $local -Experiment 'exp-b' -PassThru -Force)

        Get-Paths ($out | Select-ItemResult) 'Delete' | Should -Be @('exp-b/notes.md')
        Get-Paths ($out | Select-ItemResult) 'Upload' | Should -Be @('exp-b/new.json')
        $now = Get-BucketEtags -Bucket $script:bucket -Prefix 'experiments/'
        $now.ContainsKey('experiments/exp-b/notes.md') | Should -BeFalse
        foreach ($k in $script:all.Keys | Where-Object { $_ -ne 'experiments/exp-b/notes.md' }) { $now.ContainsKey($k) | Should -BeTrue -Because $k }
        $now.ContainsKey('experiments/exp-c/new.json') | Should -BeFalse
    }

    It 'a scoped Full pull deletes and downloads only inside the named experiments' {
        $local = Join-Path $TestDrive 'scoped-pull/experiments'
        New-Item -ItemType Directory -Path (Join-Path $local 'exp-b'), (Join-Path $local 'exp-c'), (Join-Path $local 'gemma-2-2b') -Force | Out-Null
        Set-Content (Join-Path $local 'exp-b/local-only.json') 'only here, in scope'
        Set-Content (Join-Path $local 'exp-c/local-only.json') 'only here, outside the scope'
        Set-Content (Join-Path $local 'gemma-2-2b/local-only.json') 'only here, outside the scope'

        $out = @(Sync-R2Experiment -Direction Pull -Mode Full -Path $local -Experiment 'exp-b', 'exp-c' -PassThru -Force)

        Get-Paths ($out | Select-ItemResult) 'Delete' | Should -Be @('exp-b/local-only.json', 'exp-c/local-only.json')
        $remoteInScope = @((Get-BucketEtags -Bucket $script:bucket -Prefix 'experiments/').Keys |
                Where-Object { $_ -like 'experiments/exp-b/*' -or $_ -like 'experiments/exp-c/*' } | ForEach-Object { $_.Substring('experiments/'.Length) } | Sort-Object)
        Get-Paths ($out | Select-ItemResult) 'Download' | Should -Be $remoteInScope
        Test-Path (Join-Path $local 'gemma-2-2b/local-only.json') | Should -BeTrue
        Test-Path (Join-Path $local 'exp-b2') | Should -BeFalse
    }
}
