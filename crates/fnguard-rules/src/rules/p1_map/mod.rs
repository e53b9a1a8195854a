pub mod fg103;
