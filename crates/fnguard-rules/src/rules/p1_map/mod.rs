pub mod fg101;
pub mod fg102;
pub mod fg103;
