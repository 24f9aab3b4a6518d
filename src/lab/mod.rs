//! What the lab and `inspect` report about one pattern, each read off one
//! [`crate::pattern::Pattern`] (the forward pass and adjoints computed once): Figure 5's data beside
//! the exact spectrum ([`figure5`]), the directions compared and the verdict ([`report`]), and the
//! JSON case of the command line ([`inspect`]).

pub mod batch_curvature;
pub mod figure5;
pub mod inspect;
pub mod report;
