//! A private CA and a certificate it signs for `localhost` and 127.0.0.1.

/// PEM texts: the CA to trust, the server's certificate and its key.
pub struct Certificates {
    /// The CA certificate (what clients add to their roots).
    pub ca: String,
    /// The server certificate.
    pub cert: String,
    /// The server key.
    pub key: String,
}

/// A new CA and server certificate.
pub fn certificates() -> Result<Certificates, rcgen::Error> {
    let ca_key = rcgen::KeyPair::generate()?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Portcullis test CA");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let leaf_key = rcgen::KeyPair::generate()?;
    let mut leaf_params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?;
    leaf_params
        .subject_alt_names
        .push(rcgen::SanType::IpAddress(
            std::net::Ipv4Addr::LOCALHOST.into(),
        ));
    let leaf = leaf_params.signed_by(&leaf_key, &issuer)?;
    Ok(Certificates {
        ca: ca_cert.pem(),
        cert: leaf.pem(),
        key: leaf_key.serialize_pem(),
    })
}
