//! QR codes in a PNG or JPEG image (a screenshot of a setup page, Google Authenticator's export
//! screen): every code found is read, and the otpauth and migration URIs among them imported.
//! Pure Rust: `image` decodes, `rqrr` finds and reads the codes.

use super::{Error, Plan};
use zeroize::Zeroizing;

/// Images larger than this (in pixels a side, or bytes to decode) are refused: a crafted file
/// cannot make the import allocate gigabytes.
const MAX_SIDE: u32 = 8_000;
const MAX_ALLOC: u64 = 512 * 1024 * 1024;

fn not_image(reason: &str) -> Error {
    Error::NotThisFormat {
        format: "QR image",
        reason: reason.into(),
    }
}

/// Reads the otpauth or Google migration QR codes of a PNG or JPEG image.
pub fn parse(bytes: &[u8]) -> Result<Plan, Error> {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| not_image("it is not a PNG or JPEG image"))?;
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|_| not_image("it is not a PNG or JPEG image, or it is too large"))?;
    let luma = img.to_luma8();
    let (w, h) = (luma.width() as usize, luma.height() as usize);
    read_codes(w, h, |x, y| luma.get_pixel(x as u32, y as u32).0[0])
}

/// The same for raw RGBA pixels (an image on the clipboard): `rgba` is `width * height * 4`
/// bytes, row by row.
pub fn parse_rgba(width: usize, height: usize, rgba: &[u8]) -> Result<Plan, Error> {
    let fits = |side: usize| side > 0 && side <= MAX_SIDE as usize;
    if !fits(width) || !fits(height) || rgba.len() != width * height * 4 {
        return Err(not_image("the image is empty, too large or malformed"));
    }
    read_codes(width, height, |x, y| {
        let p = &rgba[(y * width + x) * 4..][..3];
        // ITU-R BT.601 luma, as image's to_luma8 does.
        ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
    })
}

fn read_codes(w: usize, h: usize, luma: impl FnMut(usize, usize) -> u8) -> Result<Plan, Error> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, luma);
    let grids = prepared.detect_grids();
    if grids.is_empty() {
        return Err(not_image("no QR code found in the image"));
    }
    let mut plan = Plan::default();
    for (i, grid) in grids.iter().enumerate() {
        let item = format!("QR code {}", i + 1);
        let Ok((_, content)) = grid.decode() else {
            plan.skip(item, "the QR code could not be read");
            continue;
        };
        let content = Zeroizing::new(content);
        plan.add_uri(item, content.trim());
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::OtpParams;

    #[test]
    fn the_published_google_export_screenshot_reads() {
        let bytes = crate::import::test_fixture("google-migration/example_export.png");
        let plan = parse(&bytes).unwrap();
        assert!(!plan.entries.is_empty(), "{:?}", plan.skipped);
        assert!(matches!(parse(b"GIF89a"), Err(Error::NotThisFormat { .. })));
    }

    #[test]
    fn our_own_enrolment_qr_code_reads_back() {
        let otp = OtpParams::parse(
            "otpauth://totp/Portcullis:me?secret=JBSWY3DPEHPK3PXP&issuer=Portcullis",
        )
        .unwrap();
        let png = crate::mfa::qr::Qr::new(&otp.to_uri())
            .unwrap()
            .png(4)
            .unwrap();
        let plan = parse(&png).unwrap();
        assert_eq!(plan.entries.len(), 1);
        assert_eq!(plan.entries[0].title, "Portcullis");
        // The same pixels as a clipboard hands them over.
        let rgba = image::load_from_memory(&png).unwrap().to_rgba8();
        let (w, h) = (rgba.width() as usize, rgba.height() as usize);
        let plan = parse_rgba(w, h, rgba.as_raw()).unwrap();
        assert_eq!(plan.entries[0].title, "Portcullis");
        assert!(parse_rgba(w, h, &rgba.as_raw()[1..]).is_err());
    }
}
