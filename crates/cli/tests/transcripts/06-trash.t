# The recycle bin: rm moves an entry there, untrash puts it back, --empty and rm --purge
# delete for good.
env PORTCULLIS_PASSWORD=pw
$ portcullis init t.pcx --kdf-memory-mib 1 --kdf-iterations 1 --kdf-parallelism 1
> created t.pcx (Argon2id: 1024 KiB, 1 passes, 1 lanes)
$ portcullis add t.pcx --title Router --kind note
> [[ROUTER]]
$ portcullis add t.pcx --title Printer --kind note
> [[PRINTER]]
$ portcullis trash t.pcx
> the recycle bin is empty
$ portcullis rm t.pcx Router
> moved “Router” ([[ROUTER]]) to the recycle bin
$ portcullis list t.pcx
>~ ^ID
>~ ^\S+  note    Printer
$ portcullis show t.pcx Router
! error: no entry matches “Router”
? 1
$ portcullis trash t.pcx --json
> [
>   {
>     "id": "[[ROUTER]]",
>     "title": "Router",
>     "kind": "note",
>     "deleted": "[..]"
>   }
> ]
$ portcullis untrash t.pcx router
> restored “Router” ([[ROUTER]]) from the recycle bin
$ portcullis trash t.pcx --json
> []
$ portcullis show t.pcx Router
> id:       [[ROUTER]]
> title:    Router
> kind:     note
> created:  [..]
> modified: [..]

# Emptied: gone for good.
$ portcullis rm t.pcx Router
> moved “Router” ([[ROUTER]]) to the recycle bin
$ portcullis trash t.pcx --empty
> deleted 1 entries for good
$ portcullis untrash t.pcx Router
! error: no entry matches “Router”
? 1

# rm --purge: from the bin, or directly.
$ portcullis rm t.pcx Printer
> moved “Printer” ([[PRINTER]]) to the recycle bin
$ portcullis rm t.pcx Printer --purge
> deleted “Printer” ([[PRINTER]]) for good
$ portcullis add t.pcx --title Scanner --kind note
> [[SCANNER]]
$ portcullis rm t.pcx [[SCANNER]] --purge
> deleted “Scanner” ([[SCANNER]]) for good
$ portcullis trash t.pcx --json
> []
$ portcullis list t.pcx --json
> []
