pub mod fg801;
pub mod fg802;
pub mod fg804;
