# Every failure is one line on stderr and a non-zero exit, with no secret in it.
$ portcullis init v.pcx --kdf-memory-mib 1 --kdf-iterations 1 --kdf-parallelism 1
< right-pw
> created v.pcx [..]
$ portcullis init v.pcx --kdf-memory-mib 1 --kdf-iterations 1 --kdf-parallelism 1
< right-pw
! error: v.pcx already exists
? 1
$ portcullis list v.pcx
< wrong-pw
! error: wrong password or damaged workspace
? 1
$ portcullis list v.pcx
! error: no master password: type it on a terminal, send it on standard input, or set PORTCULLIS_PASSWORD
? 1
$ portcullis list notes.txt
! error: not a Portcullis workspace
? 1
$ portcullis list missing.pcx
! error: no workspace at missing.pcx
? 1
$ portcullis show v.pcx nothing
< right-pw
! error: no entry matches “nothing”
? 1
$ portcullis add v.pcx --title T --otp otpauth://totp/x?secret=SUPERSECRETKEY&digits=12
< right-pw
! error: invalid OTP: digits must be 6, 7 or 8 (5 for Steam), not 12
? 1
$ portcullis add v.pcx --title T --otp otpauth://totp/x?issuer=nope
< right-pw
! error: invalid OTP: no secret in the otpauth URI
? 1
$ portcullis add v.pcx --title T --kind otp --otp 0189!!
< right-pw
! error: invalid OTP: the secret is not valid Base32
? 1
$ portcullis init weak.pcx --kdf-memory-mib 100000 --kdf-iterations 1 --kdf-parallelism 1
< pw
! error: key-derivation parameters out of bounds (memory 1 MiB to 4 GiB, 1 to 1000 passes, 1 to 16 lanes)
? 1
$ portcullis init empty.pcx --kdf-memory-mib 1 --kdf-iterations 1 --kdf-parallelism 1
<
! error: the master password cannot be empty
? 1
$ portcullis init half.pcx --kdf-memory-mib 1
< pw
! error: the following required arguments were not provided:
!   --kdf-parallelism <P>
!   --kdf-iterations <T>
! 
! Usage: portcullis init --kdf-memory-mib <M> --kdf-parallelism <P> --kdf-iterations <T> <WORKSPACE>
! 
! For more information, try '--help'.
? 2
$ portcullis otp v.pcx nothing
< right-pw
! error: no entry matches “nothing”
? 1
