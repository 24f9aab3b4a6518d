//! IDX files, the container format of MNIST and Fashion-MNIST (LeCun et al.).
//!
//! An IDX file is a header followed by one dense, row-major array:
//!
//! | bytes | content |
//! |---|---|
//! | 0..2 | `0x00 0x00` |
//! | 2 | the element type: `0x08` unsigned byte, `0x09` signed byte, `0x0B` i16, `0x0C` i32, `0x0D` f32, `0x0E` f64 |
//! | 3 | the number of dimensions d (1 for labels, 3 for images) |
//! | 4..4+4d | the d sizes, each a big-endian u32, outermost first (count, rows, cols) |
//! | 4+4d.. | exactly `prod(sizes)` elements, the last index varying fastest |
//!
//! MNIST's `t10k-images-idx3-ubyte` is `00 00 08 03`, then 10000, 28, 28, then 7,840,000 pixel
//! bytes (0 = background, 255 = ink); `t10k-labels-idx1-ubyte` is `00 00 08 01`, then 10000, then
//! one byte per label. Only the unsigned-byte type is read here, which is all these data sets use;
//! at most [`MAX_DIMS`] dimensions are accepted.
//!
//! [`parse`] trusts nothing in the header: the sizes are multiplied with overflow checks and
//! compared with the number of bytes actually present before anything is allocated, so a corrupt or
//! hostile file costs at most a copy of its own bytes. A gzip file (`1f 8b ...`, the form the
//! official site serves) is recognised and the error says to decompress it first.

use crate::error::{Error, Result};

/// The element type code of unsigned bytes, the only one [`parse`] reads.
pub const TYPE_U8: u8 = 0x08;

/// The most dimensions [`parse`] accepts (MNIST uses 1 and 3).
pub const MAX_DIMS: usize = 4;

/// A parsed IDX array of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idx {
    /// The sizes, outermost first (`[count, rows, cols]` for images, `[count]` for labels).
    pub dims: Vec<usize>,
    /// `dims.iter().product()` bytes, row-major.
    pub data: Vec<u8>,
}

impl Idx {
    /// The outermost size: the number of items (images or labels).
    pub fn count(&self) -> usize {
        self.dims[0]
    }

    /// Bytes per item: the product of all sizes but the first (1 for a 1-D file).
    pub fn item_len(&self) -> usize {
        self.dims[1..].iter().product()
    }

    /// Item `i` (`item_len()` bytes). Panics if `i >= count()`.
    pub fn item(&self, i: usize) -> &[u8] {
        let n = self.item_len();
        &self.data[i * n..(i + 1) * n]
    }
}

/// What a type code means, for error messages.
fn type_name(code: u8) -> &'static str {
    match code {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "16-bit integer",
        0x0C => "32-bit integer",
        0x0D => "32-bit float",
        0x0E => "64-bit float",
        _ => "not an IDX type code",
    }
}

/// Parses the bytes of a whole IDX file of unsigned bytes (format in the module doc). Errors name
/// the offending value: a bad magic, an unsupported type code, a dimension count of 0 or above
/// [`MAX_DIMS`], a header cut short, sizes whose product overflows, or data shorter or longer than
/// the sizes say.
pub fn parse(bytes: &[u8]) -> Result<Idx> {
    if bytes.len() < 4 {
        return Err(Error::invalid(
            "IDX header",
            format!(
                "truncated: the file has {} bytes, the header needs at least 4",
                bytes.len()
            ),
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        let hint = if bytes[0] == 0x1f && bytes[1] == 0x8b {
            " (this is a gzip file: decompress it first)"
        } else {
            " (not an IDX file)"
        };
        return Err(Error::invalid(
            "IDX magic",
            format!(
                "bad magic: the first two bytes must be 00 00, found {:02x} {:02x}{hint}",
                bytes[0], bytes[1]
            ),
        ));
    }
    let code = bytes[2];
    if code != TYPE_U8 {
        return Err(Error::invalid(
            "IDX type code",
            format!(
                "unsupported type code 0x{code:02x} ({}); only 0x08 (unsigned byte) is read",
                type_name(code)
            ),
        ));
    }
    let ndims = usize::from(bytes[3]);
    if ndims == 0 || ndims > MAX_DIMS {
        return Err(Error::invalid(
            "IDX dimension count",
            format!("{ndims} dimensions; an IDX file here has 1 to {MAX_DIMS}"),
        ));
    }
    let header = 4 + 4 * ndims;
    if bytes.len() < header {
        return Err(Error::invalid(
            "IDX header",
            format!(
                "truncated: {ndims} dimensions need a {header}-byte header, the file has {} bytes",
                bytes.len()
            ),
        ));
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    let overflows = || {
        Error::invalid(
            "IDX sizes",
            format!("the product of the sizes {dims:?} overflows"),
        )
    };
    // The item length (all sizes but the count) must fit on its own, even when the count is 0 and
    // the total is 0: `Idx::item_len` and callers that allocate one item rely on it.
    let item = dims[1..]
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(overflows)?;
    let expected = dims[0].checked_mul(item).ok_or_else(overflows)?;
    let found = bytes.len() - header;
    if found != expected {
        let what = if found < expected {
            "truncated data"
        } else {
            "extra data"
        };
        return Err(Error::invalid(
            "IDX data",
            format!(
                "{what}: sizes {dims:?} need {expected} bytes after the {header}-byte header, found {found} bytes"
            ),
        ));
    }
    Ok(Idx {
        dims,
        data: bytes[header..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(code: u8, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut b = vec![0, 0, code, dims.len() as u8];
        for d in dims {
            b.extend_from_slice(&d.to_be_bytes());
        }
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn reads_a_small_file() {
        let idx = parse(&file(8, &[2, 1, 3], &[1, 2, 3, 4, 5, 6])).unwrap();
        assert_eq!(idx.dims, vec![2, 1, 3]);
        assert_eq!((idx.count(), idx.item_len()), (2, 3));
        assert_eq!(idx.item(1), &[4, 5, 6]);
        let empty = parse(&file(8, &[0, 28, 28], &[])).unwrap();
        assert_eq!((empty.count(), empty.data.len()), (0, 0));
    }

    #[test]
    fn huge_sizes_are_refused_without_allocating() {
        let e = parse(&file(8, &[u32::MAX, u32::MAX, u32::MAX], &[0])).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("overflows") || msg.contains("truncated"),
            "{msg}"
        );
        let e = parse(&file(8, &[u32::MAX], &[1, 2]))
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("need {} bytes", u32::MAX)), "{e}");
    }

    #[test]
    fn gzip_is_recognised() {
        let e = parse(&[0x1f, 0x8b, 8, 0, 0]).unwrap_err().to_string();
        assert!(e.contains("gzip") && e.contains("1f 8b"), "{e}");
    }
}
