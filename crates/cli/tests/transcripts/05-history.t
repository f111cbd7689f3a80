# Entry history: each change keeps the previous version; restore makes one current again.
env PORTCULLIS_PASSWORD=pw
$ portcullis init h.pcx --kdf-memory-mib 1 --kdf-iterations 1 --kdf-parallelism 1
> created h.pcx (Argon2id: 1024 KiB, 1 passes, 1 lanes)
$ portcullis add h.pcx --title Mail --username me@example.org
< first-pw
> [[MAIL]]
$ portcullis edit h.pcx Mail --change-password
< second-pw
> [[MAIL]]
$ portcullis edit h.pcx Mail --title "Mail (home)" --tag home
> [[MAIL]]
$ portcullis history h.pcx [[MAIL]] --json
> [
>   {
>     "version": 3,
>     "modified": "[..]",
>     "changed": [
>       "title",
>       "tags"
>     ]
>   },
>   {
>     "version": 2,
>     "modified": "[..]",
>     "changed": [
>       "password"
>     ]
>   },
>   {
>     "version": 1,
>     "modified": "[..]",
>     "changed": []
>   }
> ]
$ portcullis history h.pcx "mail (home)" --json --reveal
> [
>   {
>     "version": 3,
>     "modified": "[..]",
>     "changed": [
>       "title",
>       "tags"
>     ],
>     "password": "second-pw"
>   },
>   {
>     "version": 2,
>     "modified": "[..]",
>     "changed": [
>       "password"
>     ],
>     "password": "second-pw"
>   },
>   {
>     "version": 1,
>     "modified": "[..]",
>     "changed": [],
>     "password": "first-pw"
>   }
> ]
$ portcullis history h.pcx [[MAIL]]
>~ ^   3  \S+  title, tags  \(current\)$
>~ ^   2  \S+  password$
>~ ^   1  \S+  -$

# Restoring version 1 brings back its password and title, as version 4.
$ portcullis restore h.pcx [[MAIL]] 1
> restored version 1 of “Mail” ([[MAIL]])
$ portcullis show h.pcx [[MAIL]] --reveal
> id:       [[MAIL]]
> title:    Mail
> kind:     login
> username: me@example.org
> password: first-pw
> created:  [..]
> modified: [..]
$ portcullis history h.pcx [[MAIL]] --json
> [
>   {
>     "version": 4,
>     "modified": "[..]",
>     "changed": [
>       "title",
>       "tags",
>       "password"
>     ]
>   },
>   {
>     "version": 3,
>     "modified": "[..]",
>     "changed": [
>       "title",
>       "tags"
>     ]
>   },
>   {
>     "version": 2,
>     "modified": "[..]",
>     "changed": [
>       "password"
>     ]
>   },
>   {
>     "version": 1,
>     "modified": "[..]",
>     "changed": []
>   }
> ]
$ portcullis restore h.pcx [[MAIL]] 9
! error: this entry has no version 9
? 1

# The limit: shown, set, refused out of range.
$ portcullis history h.pcx
> keeps 20 earlier versions per entry
$ portcullis history h.pcx --limit 2
> keeps 2 earlier versions per entry
$ portcullis history h.pcx --limit 5000
! error: the history limit must be between 0 and 1000
? 1
$ portcullis history h.pcx [[MAIL]] --json
> [
>   {
>     "version": 4,
>     "modified": "[..]",
>     "changed": [
>       "title",
>       "tags",
>       "password"
>     ]
>   },
>   {
>     "version": 3,
>     "modified": "[..]",
>     "changed": [
>       "title",
>       "tags"
>     ]
>   },
>   {
>     "version": 2,
>     "modified": "[..]",
>     "changed": [
>       "password"
>     ]
>   }
> ]
