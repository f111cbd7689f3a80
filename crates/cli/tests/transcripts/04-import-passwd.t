# Import a CSV in one transaction, then change the master password.
env PORTCULLIS_PASSWORD=first-pw
$ portcullis init v.pcx --kdf-memory-mib 1 --kdf-iterations 1 --kdf-parallelism 1
> created v.pcx [..]
$ portcullis import v.pcx --from csv bad.csv
! error: line 3: invalid OTP: unknown algorithm `MD5` (SHA1, SHA256 or SHA512)
? 1
$ portcullis list v.pcx
> no entries
$ portcullis import v.pcx --from csv good.csv
> imported 3 entries
$ portcullis list v.pcx --json
> [
>   {
>     "id": "[..]",
>     "title": "Forum",
>     "kind": "login",
>     "username": "bob",
>     "url": null,
>     "group": null,
>     "modified": "[..]"
>   },
>   {
>     "id": "[..]",
>     "title": "Mail",
>     "kind": "login",
>     "username": "alice@example.org",
>     "url": "https://mail.example.org",
>     "group": null,
>     "modified": "[..]"
>   },
>   {
>     "id": "[..]",
>     "title": "Shop, \"the\" big one",
>     "kind": "login",
>     "username": "alice",
>     "url": "https://shop.example",
>     "group": null,
>     "modified": "[..]"
>   }
> ]
$ portcullis otp v.pcx mail
>~ ^\d{6}$

env PORTCULLIS_NEW_PASSWORD=second-pw
$ portcullis passwd v.pcx
> master password changed (Argon2id: 1024 KiB, 1 passes, 1 lanes)
unenv PORTCULLIS_NEW_PASSWORD
$ portcullis list v.pcx
! error: wrong password or damaged workspace
? 1
env PORTCULLIS_PASSWORD=second-pw
$ portcullis show v.pcx forum --reveal
> id:       [..]
> title:    Forum
> kind:     login
> username: bob
> password: hunter2
> notes:    multi
> created:  [..]
> modified: [..]

# Without the environment: old password on the first line, new on the next.
unenv PORTCULLIS_PASSWORD
$ portcullis passwd v.pcx
< second-pw
< third-pw
> master password changed [..]
$ portcullis list v.pcx
< third-pw
> ID[..]
> [..]
> [..]
> [..]
