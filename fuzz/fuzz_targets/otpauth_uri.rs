//! Any text as an otpauth URI or Base32 key: refused with a reason, or parsed into parameters
//! whose own URI parses back to the same parameters and codes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_core::otp::OtpParams;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match OtpParams::parse(text) {
        Ok(otp) => {
            let again = OtpParams::parse(&otp.to_uri()).expect("our own URI parses");
            assert_eq!(again, otp, "the URI round trip keeps every parameter");
            assert_eq!(again.code_at(1_700_000_000).code, otp.code_at(1_700_000_000).code);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
