# Edit and delete entries; look them up by title, id or id prefix.
env PORTCULLIS_PASSWORD=pw
$ portcullis init v.pcx --kdf-memory-mib 1 --kdf-iterations 1 --kdf-parallelism 1
> created v.pcx (Argon2id: 1024 KiB, 1 passes, 1 lanes)
$ portcullis add v.pcx --title Mail --username me@example.org
< old-entry-pw
> [[MAIL]]

$ portcullis edit v.pcx mail --title "Mail (work)" --url https://mail.example.org --change-password --tag work --tag mail
< new-entry-pw
> [[MAIL]]
$ portcullis show v.pcx [[MAIL]] --reveal --json
> {
>   "id": "[[MAIL]]",
>   "title": "Mail (work)",
>   "kind": "login",
>   "username": "me@example.org",
>   "url": "https://mail.example.org",
>   "group": null,
>   "modified": "[..]",
>   "created": "[..]",
>   "notes": "",
>   "tags": [
>     "work",
>     "mail"
>   ],
>   "has_password": true,
>   "password": "new-entry-pw",
>   "fields": []
> }

# Two entries with one title: the title is ambiguous, the id is not.
$ portcullis add v.pcx --title "Mail (work)" --kind note
> [[NOTE]]
$ portcullis show v.pcx "mail (work)"
! error: 2 entries match “mail (work)”; use the id
? 1
$ portcullis rm v.pcx [[NOTE]]
> moved “Mail (work)” ([[NOTE]]) to the recycle bin
$ portcullis rm v.pcx [[NOTE]]
! error: no entry matches “[[NOTE]]”
? 1
$ portcullis list v.pcx --json
> [
>   {
>     "id": "[[MAIL]]",
>     "title": "Mail (work)",
>     "kind": "login",
>     "username": "me@example.org",
>     "url": "https://mail.example.org",
>     "group": null,
>     "modified": "[..]"
>   }
> ]

# An HOTP generator shows its counter; the URI's account wins over --username, and an edit of
# an OTP entry's user name changes the account.
$ portcullis add v.pcx --title Token --kind otp --username me --otp otpauth://hotp/Acme:token?secret=JBSWY3DPEHPK3PXP&counter=5
> [[TOKEN]]
$ portcullis show v.pcx [[TOKEN]]
> id:       [[TOKEN]]
> title:    Token
> kind:     otp
> username: token
> otp:      SHA1, 6 digits, counter 5
> created:  [..]
> modified: [..]
$ portcullis edit v.pcx [[TOKEN]] --username you
> [[TOKEN]]
$ portcullis show v.pcx [[TOKEN]] --json
> {
>   "id": "[[TOKEN]]",
>   "title": "Token",
>   "kind": "otp",
>   "username": "you",
>   "url": null,
>   "group": null,
>   "modified": "[..]",
>   "created": "[..]",
>   "notes": "",
>   "tags": [],
>   "otp": {
>     "algorithm": "SHA1",
>     "digits": 6,
>     "period": 30,
>     "issuer": "Acme",
>     "account": "you",
>     "counter": 5
>   },
>   "fields": []
> }
