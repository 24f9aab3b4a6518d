//! The model file: a network's architecture and parameters as bytes, versioned and checksummed.
//! Files are untrusted: every size is checked against the actual length before anything is
//! allocated from it.
//!
//! Layout (little-endian), version 1:
//! ```text
//! 0   8 bytes  magic "SIFRIAN\0"
//! 8   u32      version = 1
//! 12  u32      L = number of sizes (n + 1), 2..=MAX_LAYERS+1
//! 16  L x u32  sizes s_0..s_n
//! ..  f64      alpha (leak slope)
//! ..  P x f64  parameters in the engine's flat layout (P = sum_k s_k (s_{k-1} + 1))
//! ..  u64      FNV-1a 64 of every byte before it
//! ```

use crate::error::{Error, Result, ResultExt};
use crate::network::{param_count, validate_architecture, Network};

pub const MAGIC: &[u8; 8] = b"SIFRIAN\0";
pub const VERSION: u32 = 1;
/// Most layers a file may declare (a bound on the header, far above any real use).
pub const MAX_LAYERS: usize = 64;

/// FNV-1a 64-bit hash (Fowler, Noll, Vo): the file checksum and the parameters' fingerprint.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A fingerprint of the parameters' exact bits (for determinism checks), as 16 hex digits.
pub fn params_hash(params: &[f64]) -> String {
    let bytes: Vec<u8> = params.iter().flat_map(|p| p.to_le_bytes()).collect();
    format!("{:016x}", fnv1a64(&bytes))
}

/// Serialises a network.
pub fn export(net: &Network) -> Vec<u8> {
    let sizes = net.sizes();
    let mut out = Vec::with_capacity(8 + 8 + 4 * sizes.len() + 8 + 8 * net.num_params() + 8);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(sizes.len() as u32).to_le_bytes());
    for &s in sizes {
        out.extend_from_slice(&(s as u32).to_le_bytes());
    }
    out.extend_from_slice(&net.alpha().to_le_bytes());
    for p in &net.params {
        out.extend_from_slice(&p.to_le_bytes());
    }
    let sum = fnv1a64(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn f64_at(bytes: &[u8], at: usize) -> f64 {
    f64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// Reads the header only: the architecture `(sizes, alpha)`, checked.
pub fn read_header(bytes: &[u8]) -> Result<(Vec<usize>, f64)> {
    let what = "model file";
    if bytes.len() < 16 {
        return Err(Error::invalid(
            what,
            format!("{} bytes is too short for a header (16)", bytes.len()),
        ));
    }
    if &bytes[..8] != MAGIC {
        return Err(Error::invalid(
            what,
            "not a sifrian model (bad magic bytes)",
        ));
    }
    let version = u32_at(bytes, 8);
    if version != VERSION {
        return Err(Error::invalid(
            what,
            format!("version {version} is not supported (this build reads {VERSION})"),
        ));
    }
    let count = u32_at(bytes, 12) as usize;
    if !(2..=MAX_LAYERS + 1).contains(&count) {
        return Err(Error::invalid(
            what,
            format!(
                "declares {count} layer sizes (2..={} allowed)",
                MAX_LAYERS + 1
            ),
        ));
    }
    let alpha_at = 16 + 4 * count;
    if bytes.len() < alpha_at + 8 {
        return Err(Error::invalid(
            what,
            format!("truncated header: {} bytes", bytes.len()),
        ));
    }
    let sizes: Vec<usize> = (0..count)
        .map(|i| u32_at(bytes, 16 + 4 * i) as usize)
        .collect();
    let alpha = f64_at(bytes, alpha_at);
    validate_architecture(&sizes, alpha).context(what)?;
    Ok((sizes, alpha))
}

/// Parses and verifies a model file (sizes, length, checksum, finite parameters).
pub fn import(bytes: &[u8]) -> Result<Network> {
    let what = "model file";
    let (sizes, alpha) = read_header(bytes)?;
    let params_at = 16 + 4 * sizes.len() + 8;
    let p = param_count(&sizes); // bounded by validate_architecture
    let expected = params_at + 8 * p + 8;
    if bytes.len() != expected {
        return Err(Error::invalid(
            what,
            format!(
                "{} bytes, but a {sizes:?} network needs exactly {expected} (truncated or padded)",
                bytes.len()
            ),
        ));
    }
    let stored = u64::from_le_bytes(bytes[expected - 8..].try_into().expect("8 bytes"));
    if fnv1a64(&bytes[..expected - 8]) != stored {
        return Err(Error::invalid(
            what,
            "checksum mismatch: the file is corrupted",
        ));
    }
    let params: Vec<f64> = (0..p).map(|i| f64_at(bytes, params_at + 8 * i)).collect();
    Network::from_params(&sizes, alpha, params).context(what)
}
