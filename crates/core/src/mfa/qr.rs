//! QR codes of an otpauth URI, rendered by the core: SVG for the app, PNG for files, text for
//! terminals.

use qrcode::render::{svg, unicode};
use qrcode::{Color, EcLevel, QrCode};

/// Errors of QR rendering.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The text does not fit in a QR code.
    #[error("the text is too long for a QR code")]
    TooLong,
    /// PNG encoding failed.
    #[error("cannot encode the PNG image")]
    Png,
}

/// A QR code ready to render.
pub struct Qr(QrCode);

impl Qr {
    /// Encodes `text` with medium error correction.
    pub fn new(text: &str) -> Result<Self, Error> {
        QrCode::with_error_correction_level(text, EcLevel::M)
            .map(Self)
            .map_err(|_| Error::TooLong)
    }

    /// An SVG image, at least 240 px wide, with a quiet zone.
    pub fn svg(&self) -> String {
        self.0
            .render::<svg::Color<'_>>()
            .min_dimensions(240, 240)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build()
    }

    /// Text drawn with half-block characters, two modules per character cell.
    pub fn terminal(&self) -> String {
        self.0
            .render::<unicode::Dense1x2>()
            .dark_color(unicode::Dense1x2::Light)
            .light_color(unicode::Dense1x2::Dark)
            .build()
    }

    /// A grayscale PNG, `scale` pixels per module, with a four-module quiet zone.
    pub fn png(&self, scale: usize) -> Result<Vec<u8>, Error> {
        let width = self.0.width();
        let colors = self.0.to_colors();
        let quiet = 4;
        let side = (width + 2 * quiet) * scale;
        let mut pixels = vec![255u8; side * side];
        for (i, color) in colors.iter().enumerate() {
            if *color == Color::Dark {
                let (mx, my) = (i % width + quiet, i / width + quiet);
                for y in my * scale..(my + 1) * scale {
                    pixels[y * side + mx * scale..y * side + (mx + 1) * scale].fill(0);
                }
            }
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|_| Error::Png)?;
        writer.write_image_data(&pixels).map_err(|_| Error::Png)?;
        writer.finish().map_err(|_| Error::Png)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_format() {
        let qr = Qr::new("otpauth://totp/Portcullis:w?secret=JBSWY3DPEHPK3PXP").unwrap();
        assert!(qr.svg().contains("<svg"));
        assert!(qr.terminal().lines().count() > 10);
        let png = qr.png(4).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(Qr::new(&"x".repeat(5000)).is_err());
    }
}
