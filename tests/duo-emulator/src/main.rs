//! `cargo run -p duo-emulator -- [--port P] [--config FILE] [--ca-out FILE]`: runs the emulator
//! by hand so anyone can try Portcullis's Duo flows without a Duo account.

use duo_emulator::{Config, Emulator};

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let config = match value("--config") {
        Some(path) => serde_json::from_str(&std::fs::read_to_string(path)?)?,
        None => Config::demo(),
    };
    let port = value("--port").map(|p| p.parse()).transpose()?.unwrap_or(0);
    let ca_out = value("--ca-out")
        .cloned()
        .unwrap_or_else(|| "duo-emulator-ca.pem".into());
    let emulator = Emulator::start_on(config.clone(), port)?;
    std::fs::write(&ca_out, emulator.ca_pem())?;
    println!("Duo emulator on https://{}", emulator.api_host());
    println!("  integration key: {}", config.ikey);
    println!("  secret key:      {}", config.skey);
    println!("  CA certificate:  {ca_out} (pass it as --ca-file)");
    println!(
        "  users:           {}",
        config.users.keys().cloned().collect::<Vec<_>>().join(", ")
    );
    println!("Press Ctrl+C to stop.");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
