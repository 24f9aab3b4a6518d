//! Bytes in and out, all of them untrusted until checked: the IDX files of MNIST and
//! Fashion-MNIST ([`idx`]), the data sets built from them ([`data`]) and the versioned,
//! checksummed model file ([`model_file`]). Nothing is allocated from a size read from a file
//! before that size is checked against the file's length.

pub mod data;
pub mod idx;
pub mod model_file;
