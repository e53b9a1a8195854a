pub mod fg201;
pub mod fg202;
pub mod fg203;
pub mod fg204;
pub mod fg205;
pub mod fg206;
pub mod fg207;
pub mod fg208;
