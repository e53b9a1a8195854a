pub mod fg801;
pub mod fg802;
pub mod fg803;
pub mod fg804;
pub mod fg805;
pub mod fg806;
