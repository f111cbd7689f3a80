# Create a workspace, add entries of every kind, list, search and show them.
# The master password is the first stdin line; the entry password the next one.
$ portcullis init vault.pcx --kdf-memory-mib 1 --kdf-iterations 1 --kdf-parallelism 1
< master-pw
> created vault.pcx (Argon2id: 1024 KiB, 1 passes, 1 lanes)

$ portcullis add vault.pcx --title GitHub --username octocat --url https://github.com --group Work/Dev --otp otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP
< master-pw
< entry-pw-1
>~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$

# With PORTCULLIS_PASSWORD the entry password is the first line.
env PORTCULLIS_PASSWORD=master-pw
$ portcullis add vault.pcx --title Bank --kind otp --otp otpauth://totp/Bank:me?secret=GEZDGNBVGY3TQOJQ&digits=8&algorithm=SHA256
> [[BANK]]
$ portcullis add vault.pcx --title Recovery --kind note --notes "behind the painting" --group Personal
> [..]
$ portcullis add vault.pcx --title "Jump host" --kind remote --protocol ssh --host jump.example.org --port 2222 --login GitHub
> [..]
$ portcullis add vault.pcx --title Generated --generate --length 32
> [..]

$ portcullis list vault.pcx
> ID        KIND    TITLE      USERNAME                  GROUP
> [..]  otp     Bank       me                        
> [..]  login   Generated                            
> [..]  remote  Jump host                            
> [..]  note    Recovery                             Personal
> [..]  login   GitHub     octocat                   Work/Dev

$ portcullis search vault.pcx OCTO --json
> [
>   {
>     "id": "[..]",
>     "title": "GitHub",
>     "kind": "login",
>     "username": "octocat",
>     "url": "https://github.com",
>     "group": "Work/Dev",
>     "modified": "[..]T[..]Z"
>   }
> ]

# Secrets are never searched.
$ portcullis search vault.pcx entry-pw-1 --json
> []

$ portcullis show vault.pcx github
> id:       [..]
> title:    GitHub
> kind:     login
> group:    Work/Dev
> username: octocat
> url:      https://github.com
> password: ******** (use --reveal)
> otp:      SHA1, 6 digits, 30 s
> created:  [..]
> modified: [..]

$ portcullis show vault.pcx github --reveal
> id:       [..]
> title:    GitHub
> kind:     login
> group:    Work/Dev
> username: octocat
> url:      https://github.com
> password: entry-pw-1
> otp:      otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30&issuer=GitHub
> created:  [..]
> modified: [..]

$ portcullis show vault.pcx "jump host" --json
> {
>   "id": "[..]",
>   "title": "Jump host",
>   "kind": "remote",
>   "username": null,
>   "url": "ssh://jump.example.org:2222",
>   "group": null,
>   "modified": "[..]",
>   "created": "[..]",
>   "notes": "",
>   "tags": [],
>   "remote": {
>     "protocol": "ssh",
>     "host": "jump.example.org",
>     "port": 2222,
>     "login": "[..]"
>   },
>   "fields": []
> }

$ portcullis otp vault.pcx GitHub
>~ ^\d{6}$
$ portcullis otp vault.pcx [[BANK]] --json
> {
>~ ^  "code": "\d{8}",$
>~ ^  "seconds_left": ([1-9]|[12]\d|30),$
>   "period": 30
> }
