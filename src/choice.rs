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

    /// This variant's place in [`Self::ALL`].
    fn index(self) -> usize;

    /// The variant at `index`; past the end, the last one.
    fn from_index(index: usize) -> Self {
        Self::ALL[index.min(Self::ALL.len() - 1)]
    }
}

/// Declares an enum and its [`Choice`] names in one list: `Variant = "name" / "Label",`.
macro_rules! choice_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal / $label:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $crate::choice::Choice for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const NAMES: &'static [&'static str] = &[$($text),+];
            const LABELS: &'static [&'static str] = &[$($label),+];

            fn index(self) -> usize {
                self as usize
            }
        }
    };
}
pub(crate) use choice_enum;

#[cfg(test)]
mod tests {
    use super::*;

    choice_enum! {
        enum Colour {
            Red = "red" / "Red",
            Green = "green" / "Green",
        }
    }

    #[test]
    fn names_and_indices_follow_the_declaration() {
        assert_eq!(Colour::NAMES, &["red", "green"]);
        assert_eq!(Colour::LABELS, &["Red", "Green"]);
        assert_eq!(Colour::Green.index(), 1);
        assert_eq!(Colour::from_index(0), Colour::Red);
        assert_eq!(Colour::from_index(7), Colour::Green);
        for (index, colour) in Colour::ALL.iter().enumerate() {
            assert_eq!(colour.index(), index);
        }
    }
}
