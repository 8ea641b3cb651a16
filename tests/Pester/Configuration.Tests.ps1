#Requires -Version 7.4
# Setup and configuration as users meet them: a clean HOME in a child pwsh (-NonInteractive, no stdin) with a
# controlled environment, against the test moto. Never touches the real ~/.aws, ~/.config or ~/.cache.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:R2SYNC_TEST_MODULE -Force
    $script:Endpoint = Get-TestEndpoint
    $script:StartScript = Join-Path $PSScriptRoot '../../deploy/railway/start.ps1'
    # This process too: point every home-based setting at a temp folder while these tests run.
    $script:savedEnv = @{}
    $script:fakeHome = Join-Path ([IO.Path]::GetTempPath()) ('r2cfg-home-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $script:fakeHome | Out-Null
    foreach ($n in 'HOME', 'XDG_CONFIG_HOME', 'AWS_SHARED_CREDENTIALS_FILE', 'RCLONE_CONFIG') {
        $script:savedEnv[$n] = [Environment]::GetEnvironmentVariable($n)
    }
    $env:HOME = $script:fakeHome
    $env:XDG_CONFIG_HOME = Join-Path $script:fakeHome '.config'
    $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $script:fakeHome '.aws/credentials'
    $env:RCLONE_CONFIG = Join-Path $script:fakeHome '.config/rclone/rclone.conf'
    Clear-TestCredential

    function New-CleanHome {
        $h = Join-Path ([IO.Path]::GetTempPath()) ('r2home-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
        New-Item -ItemType Directory -Path $h | Out-Null
        $h
    }

    function Get-Summary([string] $Text) {
        # The summary line Push/Receive print through ConvertTo-Json -Compress.
        $line = @($Text -split "`n" | Where-Object { $_ -match '^\{.*"Direction"' })[-1]
        if (-not $line) { throw "no summary in output: $Text" }
        $line | ConvertFrom-Json
    }

    # One small tree, pushed once into a bucket by the test process (with -Credential, not via settings files).
    $script:tree = New-TestTree -Files 60 -Seed 11
    foreach ($rel in 'exp-small/run1/metrics.json', 'exp-small/notes.md') {
        $p = Join-Path $script:tree $rel
        New-Item -ItemType Directory -Path (Split-Path $p) -Force | Out-Null
        Set-Content -Path $p -Value "content of $rel"
    }
    $script:local = Get-TreeFiles $script:tree
    $script:synced = @($script:local.Keys | Where-Object { -not (Test-IsExcludedPath $_) })
    $script:bucket = New-TestBucket 'cfg'
    $cred = [pscredential]::new('pester-key', (ConvertTo-SecureString 'pester-secret-DO-NOT-PRINT' -AsPlainText -Force))
    $null = Push-R2Experiment -Path $script:tree -Endpoint $script:Endpoint -Bucket $script:bucket -Credential $cred
    $script:R2Env = @{
        R2_ENDPOINT = $script:Endpoint; R2_BUCKET_NAME = $script:bucket
        R2_ACCESS_KEY_ID = 'pester-key'; R2_SECRET_ACCESS_KEY = 'pester-secret-DO-NOT-PRINT'
    }
}

AfterAll {
    foreach ($n in $script:savedEnv.Keys) { [Environment]::SetEnvironmentVariable($n, $script:savedEnv[$n]) }
    if ($script:tree) { Remove-Item (Split-Path $script:tree -Parent) -Recurse -Force -ErrorAction SilentlyContinue }
    Remove-Item $script:fakeHome -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Railway container start' {
    BeforeAll {
        $script:home1 = New-CleanHome
        $script:volume = Join-Path $TestDrive 'volume'
        New-Item -ItemType Directory -Path $script:volume | Out-Null
        $envs = $script:R2Env.Clone()
        $envs.HOME = $script:home1
        $envs.RAILWAY_VOLUME_MOUNT_PATH = $script:volume
        $script:railEnv = $envs
        $script:start1 = Invoke-CleanPwsh -Environment $envs -WorkingDirectory $TestDrive -ArgumentList '-File', $script:StartScript
        $script:start2 = Invoke-CleanPwsh -Environment $envs -WorkingDirectory $TestDrive -ArgumentList '-File', $script:StartScript
    }

    It 'pulls every object into $RAILWAY_VOLUME_MOUNT_PATH/experiments on the first start' {
        $script:start1.ExitCode | Should -Be 0 -Because $script:start1.Err
        $script:start1.Out | Should -Match "$($script:synced.Count) downloaded"
        $pulled = Get-TreeFiles (Join-Path $script:volume 'experiments')
        $pulled.Count | Should -Be $script:synced.Count
        foreach ($rel in $script:synced) { $pulled[$rel] | Should -Be $script:local[$rel] -Because $rel }
    }

    It 'downloads nothing on the second start' {
        $script:start2.ExitCode | Should -Be 0 -Because $script:start2.Err
        $script:start2.Out | Should -Match ' 0 downloaded'
        $script:start2.Out | Should -Match "$($script:synced.Count) skipped"
    }

    It 'pulls only the experiments named in R2SYNC_EXPERIMENTS (a small service)' {
        $tops = @($script:synced | ForEach-Object { $_.Split('/')[0] } | Sort-Object -Unique)
        $tops.Count | Should -BeGreaterThan 1 -Because 'the generated tree has several experiment folders'
        $one = 'exp-small'
        $small = Join-Path $TestDrive 'small-volume'
        New-Item -ItemType Directory -Path $small | Out-Null
        $envs = $script:railEnv.Clone()
        $envs.RAILWAY_VOLUME_MOUNT_PATH = $small
        $envs.R2SYNC_EXPERIMENTS = $one
        $r = Invoke-CleanPwsh -Environment $envs -WorkingDirectory $TestDrive -ArgumentList '-File', $script:StartScript
        $r.ExitCode | Should -Be 0 -Because $r.Err
        $pulled = @((Get-TreeFiles (Join-Path $small 'experiments')).Keys)
        $expected = @($script:synced | Where-Object { $_.StartsWith("$one/") })
        $pulled.Count | Should -Be $expected.Count
        $pulled | Where-Object { -not $_.StartsWith("$one/") } | Should -BeNullOrEmpty
    }

    It 'writes nothing into HOME but PowerShell''s own caches, and never prints the secret' {
        (Get-ChildItem $script:home1 -Recurse -Force -Filter credentials) | Should -BeNullOrEmpty
        ($script:start1.Out + $script:start1.Err) | Should -Not -Match 'pester-secret'
    }
}

Describe 'Missing credentials in a non-interactive session' {
    It 'fails fast with the fix in the message, for a sync cmdlet and for Initialize-R2Sync' {
        $h = New-CleanHome
        $r = Invoke-CleanPwsh -Environment @{ HOME = $h } -WorkingDirectory $h -Command 'try { Receive-R2Experiment -Path ./x } catch { "ID=" + $_.FullyQualifiedErrorId; $_.Exception.Message; exit 3 }'
        $r.ExitCode | Should -Be 3
        $r.Out | Should -Match 'ID=R2Sync.MissingSetting'
        $r.Out | Should -Match 'R2_ENDPOINT'
        $r.Out | Should -Match 'Initialize-R2Sync'
        Test-Path (Join-Path $h 'x') | Should -BeFalse

        $i = Invoke-CleanPwsh -Environment @{ HOME = $h } -WorkingDirectory $h -Command 'try { Initialize-R2Sync } catch { "ID=" + $_.FullyQualifiedErrorId; $_.Exception.Message; exit 3 }'
        $i.ExitCode | Should -Be 3
        $i.Out | Should -Match 'ID=R2Sync.MissingSetting'
        Test-Path (Join-Path $h '.aws') | Should -BeFalse
    }
}

Describe 'A clean HOME with only a .env' {
    It 'pushes and pulls' {
        $h = New-CleanHome
        $proj = Join-Path $TestDrive 'dotenv-proj'
        New-Item -ItemType Directory -Path $proj | Out-Null
        $b = New-TestBucket 'envf'
        Set-Content (Join-Path $proj '.env') "R2_ENDPOINT=$($script:Endpoint)`nR2_BUCKET_NAME=$b`nR2_ACCESS_KEY_ID=k1`nR2_SECRET_ACCESS_KEY='s1 with space'`n"
        $push = Invoke-CleanPwsh -Environment @{ HOME = $h } -WorkingDirectory $proj -Command "Push-R2Experiment -Path '$($script:tree)' | ConvertTo-Json -Compress"
        (Get-Summary $push.Out).Uploaded | Should -Be $script:synced.Count -Because $push.Err
        $pull = Invoke-CleanPwsh -Environment @{ HOME = $h } -WorkingDirectory $proj -Command 'Receive-R2Experiment | ConvertTo-Json -Compress'
        (Get-Summary $pull.Out).Downloaded | Should -Be $script:synced.Count -Because $pull.Err
        (Get-TreeFiles (Join-Path $proj 'experiments')).Count | Should -Be $script:synced.Count
    }
}

Describe 'Initialize-R2Sync with parameters, then a saved profile' {
    BeforeAll {
        $script:home2 = New-CleanHome
        $script:b2 = New-TestBucket 'prof'
        $cmd = "Initialize-R2Sync -AccessKeyId saved-key -SecretAccessKey (ConvertTo-SecureString 'saved-secret-XYZ' -AsPlainText -Force) -Endpoint '$($script:Endpoint)' -Bucket '$($script:b2)' | ConvertTo-Json -Compress"
        $script:init = Invoke-CleanPwsh -Environment @{ HOME = $script:home2 } -WorkingDirectory $script:home2 -Command $cmd
        $script:initAgain = Invoke-CleanPwsh -Environment @{ HOME = $script:home2 } -WorkingDirectory $script:home2 -Command $cmd
        $script:initOther = Invoke-CleanPwsh -Environment @{ HOME = $script:home2 } -WorkingDirectory $script:home2 -Command ('try { ' + $cmd.Replace('saved-key', 'other-key') + ' } catch { "ID=" + $_.FullyQualifiedErrorId }')
        $script:cred = Join-Path $script:home2 '.aws/credentials'
    }

    It 'saves the keys in ~/.aws/credentials with mode 600 and the rest in ~/.config/r2sync/config.json' {
        $script:init.ExitCode | Should -Be 0 -Because $script:init.Err
        ($script:init.Out | ConvertFrom-Json).ProfileStatus | Should -Be 'Created'
        $text = Get-Content $script:cred -Raw
        $text | Should -Match '\[r2sync\]'
        $text | Should -Match 'aws_secret_access_key = saved-secret-XYZ'
        [int](Get-Item $script:cred).UnixFileMode | Should -Be ([Convert]::ToInt32('600', 8))
        $cfg = Get-Content (Join-Path $script:home2 '.config/r2sync/config.json') -Raw
        $cfg | Should -Not -Match 'saved-secret'
        ($cfg | ConvertFrom-Json).bucket | Should -Be $script:b2
        $script:init.Out | Should -Not -Match 'saved-secret'
    }

    It 'is idempotent, and refuses to replace a profile with other keys without -Force' {
        ($script:initAgain.Out | ConvertFrom-Json).ProfileStatus | Should -Be 'Unchanged'
        $script:initOther.Out | Should -Match 'ID=R2Sync.ProfileExists'
        Get-Content $script:cred -Raw | Should -Match 'aws_access_key_id = saved-key'
    }

    It 'lets a clean session push and pull with nothing but the saved profile' {
        $dest = Join-Path $TestDrive 'from-profile'
        $r = Invoke-CleanPwsh -Environment @{ HOME = $script:home2 } -WorkingDirectory $script:home2 -Command "Push-R2Experiment -Path '$($script:tree)' | ConvertTo-Json -Compress; Receive-R2Experiment -Path '$dest' | ConvertTo-Json -Compress"
        $r.ExitCode | Should -Be 0 -Because $r.Err
        $lines = @($r.Out -split "`n" | Where-Object { $_ -match '^\{' })
        ($lines[0] | ConvertFrom-Json).Uploaded | Should -Be $script:synced.Count
        ($lines[1] | ConvertFrom-Json).Downloaded | Should -Be $script:synced.Count
        (Get-BucketKeys -Bucket $script:b2).Count | Should -Be $script:synced.Count
    }

    It 'shows each setting with its source and masks the secret (Get-R2SyncConfiguration)' {
        $r = Invoke-CleanPwsh -Environment @{ HOME = $script:home2; R2_BUCKET_NAME = 'env-bucket' } -WorkingDirectory $script:home2 -Command 'Get-R2SyncConfiguration | ConvertTo-Json -Compress'
        $s = $r.Out | ConvertFrom-Json
        ($s | Where-Object Name -EQ 'bucket').Source | Should -Be 'environment R2_BUCKET_NAME'
        ($s | Where-Object Name -EQ 'endpoint').Source | Should -Match '^user settings '
        ($s | Where-Object Name -EQ 'access key id').Source | Should -Match '^profile \[r2sync\]'
        ($s | Where-Object Name -EQ 'secret access key').Value | Should -Be '********'
        $r.Out | Should -Not -Match 'saved-secret'
    }
    It 'replaces the profile with -Force, keeping the file private' {
        $cmd = "Initialize-R2Sync -Force -AccessKeyId forced-key -SecretAccessKey (ConvertTo-SecureString 'forced-secret' -AsPlainText -Force) | ConvertTo-Json -Compress"
        $r = Invoke-CleanPwsh -Environment @{ HOME = $script:home2 } -WorkingDirectory $script:home2 -Command $cmd
        $r.ExitCode | Should -Be 0 -Because $r.Err
        ($r.Out | ConvertFrom-Json).ProfileStatus | Should -Be 'Replaced'
        $text = Get-Content $script:cred -Raw
        $text | Should -Match 'aws_access_key_id = forced-key'
        $text | Should -Not -Match 'saved-key'
        [int](Get-Item $script:cred).UnixFileMode | Should -Be ([Convert]::ToInt32('600', 8))
    }
}

Describe 'Initialize-R2Sync validates before saving' {
    It 'saves nothing when the bucket does not exist' {
        $h = New-CleanHome
        $r = Invoke-CleanPwsh -Environment @{ HOME = $h } -WorkingDirectory $h -Command "try { Initialize-R2Sync -AccessKeyId k -SecretAccessKey (ConvertTo-SecureString 's' -AsPlainText -Force) -Endpoint '$($script:Endpoint)' -Bucket 'no-such-bucket-r2cfg' } catch { 'ID=' + `$_.FullyQualifiedErrorId; exit 3 }"
        $r.ExitCode | Should -Be 3
        $r.Out | Should -Match 'ID=R2Sync.ValidationFailed'
        Test-Path (Join-Path $h '.aws/credentials') | Should -BeFalse
        Test-Path (Join-Path $h '.config/r2sync') | Should -BeFalse
    }
}

Describe 'Initialize-R2Sync -FromRclone' {
    It 'imports an rclone remote; a clean session then pushes and pulls with it' {
        $h = New-CleanHome
        $b = New-TestBucket 'rcl'
        New-Item -ItemType Directory -Path (Join-Path $h '.config/rclone') -Force | Out-Null
        Set-Content (Join-Path $h '.config/rclone/rclone.conf') "[other]`ntype = local`n`n[r2]`ntype = s3`nprovider = Cloudflare`naccess_key_id = rclone-key`nsecret_access_key = rclone-secret`nendpoint = $($script:Endpoint)`nacl = private`n"
        $i = Invoke-CleanPwsh -Environment @{ HOME = $h } -WorkingDirectory $h -Command "Initialize-R2Sync -FromRclone 'r2:$b' | ConvertTo-Json -Compress"
        $i.ExitCode | Should -Be 0 -Because $i.Err
        ($i.Out | ConvertFrom-Json).AccessKeyId | Should -Be 'rclone-key'
        $dest = Join-Path $TestDrive 'from-rclone'
        $r = Invoke-CleanPwsh -Environment @{ HOME = $h } -WorkingDirectory $h -Command "Push-R2Experiment -Path '$($script:tree)' | ConvertTo-Json -Compress; Receive-R2Experiment -Path '$dest' | ConvertTo-Json -Compress"
        $lines = @($r.Out -split "`n" | Where-Object { $_ -match '^\{' })
        ($lines[0] | ConvertFrom-Json).Uploaded | Should -Be $script:synced.Count -Because $r.Err
        ($lines[1] | ConvertFrom-Json).Downloaded | Should -Be $script:synced.Count
    }

    It 'refuses an encrypted rclone config with a clear error' {
        $h = New-CleanHome
        $conf = Join-Path $h 'rclone.conf'
        Set-Content $conf "# Encrypted rclone configuration File`n`nRCLONE_ENCRYPT_V0:`nq0bVbmxm3I2w1Jt0rcKnbJ8yY9M=`n"
        $r = Invoke-CleanPwsh -Environment @{ HOME = $h; RCLONE_CONFIG = $conf } -WorkingDirectory $h -Command "try { Initialize-R2Sync -FromRclone r2 -Bucket 'abc' } catch { 'ID=' + `$_.FullyQualifiedErrorId; `$_.Exception.Message; exit 3 }"
        $r.ExitCode | Should -Be 3
        $r.Out | Should -Match 'ID=R2Sync.RcloneImportFailed'
        $r.Out | Should -Match 'encrypted'
    }
}

Describe 'Project file (r2sync.json)' {
    BeforeAll {
        $script:repo = Join-Path $TestDrive 'repo'
        New-Item -ItemType Directory -Path (Join-Path $script:repo 'sub/dir') -Force | Out-Null
    }

    It 'Initialize-R2Sync -ProjectFile writes a starter with the defaults spelled out, which loads' {
        Push-Location $script:repo
        try { $null = Initialize-R2Sync -ProjectFile -Bucket 'proj-bucket' } finally { Pop-Location }
        $j = Get-Content (Join-Path $script:repo 'r2sync.json') -Raw | ConvertFrom-Json
        $j.localRoot | Should -Be 'experiments'
        $j.includeGroups.loras | Should -Be '**/loras/**'
        $j.modes.Fast.pull.checkers | Should -Be 64
        Push-Location (Join-Path $script:repo 'sub/dir')
        try { $s = Get-R2SyncConfiguration } finally { Pop-Location }
        ($s | Where-Object Name -EQ 'bucket').Source | Should -Be "project file $(Join-Path $script:repo 'r2sync.json')"
        ($s | Where-Object Name -EQ 'local root').Value | Should -Be (Join-Path $script:repo 'experiments')
    }

    It 'excludes include groups unless asked for with -IncludeGroup' {
        $root = Join-Path $script:repo 'experiments'
        foreach ($rel in 'exp1/loras/a.bin', 'exp1/archive/old.txt', 'exp1/keep.txt') {
            New-Item -ItemType Directory -Path (Split-Path (Join-Path $root $rel)) -Force | Out-Null
            Set-Content (Join-Path $root $rel) $rel
        }
        $b = New-TestBucket 'grp'
        Push-Location $script:repo
        try {
            $plain = @(Get-R2SyncPlan -Endpoint $script:Endpoint -Bucket $b -Credential ([pscredential]::new('k', (ConvertTo-SecureString 's' -AsPlainText -Force))))
            $loras = @(Get-R2SyncPlan -IncludeGroup loras -Endpoint $script:Endpoint -Bucket $b -Credential ([pscredential]::new('k', (ConvertTo-SecureString 's' -AsPlainText -Force))))
        }
        finally { Pop-Location }
        @($plain.Key) | Should -Be @('experiments/exp1/keep.txt')
        @($loras.Key | Sort-Object) | Should -Be @('experiments/exp1/keep.txt', 'experiments/exp1/loras/a.bin')
    }

    It 'reports invalid JSON and unknown keys with the file and line' {
        $bad = Join-Path $TestDrive 'bad'
        New-Item -ItemType Directory -Path $bad | Out-Null
        Set-Content (Join-Path $bad 'r2sync.json') "{`n  `"bucket`": `"b-1`",`n  `"buckett`": `"x`"`n}"
        Push-Location $bad
        try { $e = $null; try { Get-R2SyncConfiguration } catch { $e = $_ } } finally { Pop-Location }
        $e.FullyQualifiedErrorId | Should -Match '^R2Sync.InvalidProjectFile'
        $e.Exception.Message | Should -Match ([regex]::Escape((Join-Path $bad 'r2sync.json') + ':3'))
        $e.Exception.Message | Should -Match "unknown key 'buckett'"
        Set-Content (Join-Path $bad 'r2sync.json') "{`n  `"bucket`": `"b-1`"`n  `"prefix`": `"x`"`n}"
        Push-Location $bad
        try { $e = $null; try { Get-R2SyncConfiguration } catch { $e = $_ } } finally { Pop-Location }
        $e.Exception.Message | Should -Match ':3: invalid JSON'
    }
}
