//! What the lab and `inspect` report about one pattern, built from the mathematics above:
//! Figure 5's data beside the exact spectrum ([`figure5`]), the directions compared and the verdict
//! ([`report`]), and the JSON case of the command line ([`inspect`]).

pub mod figure5;
pub mod inspect;
pub mod report;
