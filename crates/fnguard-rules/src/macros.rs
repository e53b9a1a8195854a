/// Declares a rule: its doc comment becomes both rustdoc and the text of `fnguard explain`
/// and `docs/rules/`, so the two cannot drift apart.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        pub struct $name:ident {
            id: $id:literal,
            name: $kebab:literal,
            severity: $sev:ident,
            practice: $practice:literal,
            opt_in: $opt_in:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                id: $id,
                name: $kebab,
                severity: fnguard_model::Severity::$sev,
                practice: fnguard_model::Practice($practice),
                opt_in: $opt_in,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}
