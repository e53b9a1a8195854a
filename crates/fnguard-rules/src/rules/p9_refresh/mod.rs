pub mod fg901;
