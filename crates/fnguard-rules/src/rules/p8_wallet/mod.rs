pub mod fg802;
