//! Settings with named variants (mode, kernel, window, reference), each declared once by
//! [`choice_enum!`]: the variant order is the index a host automates and saved state keeps,
//! the names are what the command line, the host and the editor show.

/// A setting with named variants.
pub trait Choice: Copy + PartialEq + 'static {
    /// Every variant, in index order.
    const ALL: &'static [Self];
    /// Each variant's name, in the same order.
    const NAMES: &'static [&'static str];
    /// Each variant as the editor labels it, in the same order.
    const LABELS: &'static [&'static str];
    /// What each variant does, in a line ("" where the label says it all), same order.
    const HELP: &'static [&'static str];

    /// This variant's place in [`Self::ALL`].
    fn index(self) -> usize;

    /// The variant at `index`; past the end, the last one.
    fn from_index(index: usize) -> Self {
        Self::ALL[index.min(Self::ALL.len() - 1)]
    }
}

/// Declares enums and their [`Choice`] names in one list: `Variant = "name" / "Label",` or,
/// with the line a person reads about the variant (the editor's hover text, the variant's
/// doc), `Variant = "name" / "Label" / "help",`.
macro_rules! choice_enum {
    ($(
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident = $text:literal / $label:literal $(/ $help:literal)?,
            )+
        }
    )+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            $( $(#[$variant_meta])* $(#[doc = $help])? $variant, )+
        }

        impl $crate::choice::Choice for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const NAMES: &'static [&'static str] = &[$($text),+];
            const LABELS: &'static [&'static str] = &[$($label),+];
            const HELP: &'static [&'static str] = &[$(concat!("" $(, $help)?)),+];

            fn index(self) -> usize {
                self as usize
            }
        }
    )+};
}
pub(crate) use choice_enum;

#[cfg(test)]
mod tests {
    use super::*;

    choice_enum! {
        enum Colour {
            Red = "red" / "Red",
            Green = "green" / "Green" / "the colour of grass",
        }

        enum Shade {
            Light = "light" / "Light",
        }
    }

    #[test]
    fn names_and_indices_follow_the_declaration() {
        assert_eq!(Colour::NAMES, &["red", "green"]);
        assert_eq!(Colour::LABELS, &["Red", "Green"]);
        assert_eq!(Colour::HELP, &["", "the colour of grass"]);
        assert_eq!(Shade::NAMES, &["light"]);
        assert_eq!(Colour::Green.index(), 1);
        assert_eq!(Colour::from_index(0), Colour::Red);
        assert_eq!(Colour::from_index(7), Colour::Green);
        for (index, colour) in Colour::ALL.iter().enumerate() {
            assert_eq!(colour.index(), index);
        }
    }
}
