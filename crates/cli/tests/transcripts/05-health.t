# The password health report: one entry for each finding and one beside it that is not flagged.
env PORTCULLIS_PASSWORD=pw
env PORTCULLIS_TEST_CLOCK=1700000000
$ portcullis init h.pcx --kdf-memory-mib 1 --kdf-iterations 1 --kdf-parallelism 1
> created h.pcx (Argon2id: 1024 KiB, 1 passes, 1 lanes)
$ portcullis health h.pcx --json
> {
>   "weak": [],
>   "reused": [],
>   "old": [],
>   "missing_2fa": []
> }

# Written over a year before the report.
$ portcullis add h.pcx --title Old
< Ancient-Harbor-velvet-58-Crane
> [[OLD]]
# A year and a day later.
env PORTCULLIS_TEST_CLOCK=1731622400
$ portcullis add h.pcx --title Recent
< Silent-Orchard-copper-12-Vale
> [[RECENT]]
$ portcullis add h.pcx --title Weak
< sunshine1
> [[WEAK]]
$ portcullis add h.pcx --title "Reused A"
< Timber-Shadow-ribbon-90-Glass
> [[REUSEDA]]
$ portcullis add h.pcx --title "Reused B"
< Timber-Shadow-ribbon-90-Glass
> [[REUSEDB]]
$ portcullis add h.pcx --title Google --url https://accounts.google.com/
< Marble-Comet-pepper-61-Drift
> [[GOOGLE]]
$ portcullis add h.pcx --title GitLab --url gitlab.com --username me --otp otpauth://totp/GitLab:me?secret=JBSWY3DPEHPK3PXP
< Copper-Willow-basket-24-Frost
> [[GITLAB]]
$ portcullis add h.pcx --title Intranet --url https://intranet.example.org
< Velvet-Summit-garlic-35-Brook
> [[INTRANET]]

$ portcullis health h.pcx --json
> {
>   "weak": [
>     "[[WEAK]]"
>   ],
>   "reused": [
>     [
>       "[[REUSEDA]]",
>       "[[REUSEDB]]"
>     ]
>   ],
>   "old": [
>     "[[OLD]]"
>   ],
>   "missing_2fa": [
>     "[[GOOGLE]]"
>   ]
> }
$ portcullis health h.pcx
> 8 passwords checked
> Weak passwords: 1
>~ ^  [0-9a-f]{8}  Weak$
> Reused passwords: 1
>~ ^  Reused A \([0-9a-f]{8}\), Reused B \([0-9a-f]{8}\)$
> Unchanged for over a year: 1
>~ ^  [0-9a-f]{8}  Old$
> No second factor (the site offers one): 1
>~ ^  [0-9a-f]{8}  Google$

# A new password for the old entry: no longer old.
$ portcullis edit h.pcx Old --change-password
< Fresh-Lantern-orbit-83-Meadow
> [[OLD]]
$ portcullis health h.pcx
> 8 passwords checked
> Weak passwords: 1
>~ ^  [0-9a-f]{8}  Weak$
> Reused passwords: 1
>~ ^  Reused A \([0-9a-f]{8}\), Reused B \([0-9a-f]{8}\)$
> Unchanged for over a year: 0
> No second factor (the site offers one): 1
>~ ^  [0-9a-f]{8}  Google$

$ portcullis health missing.pcx
! error: no workspace at missing.pcx
? 1
