pub mod fg101;
pub mod fg103;
