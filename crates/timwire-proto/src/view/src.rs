//! Where a view's bytes are: one body, or — after a message field was seen more than once and
//! merged — every occurrence of a path of fields under a root.

use super::reader::{Ctx, Reader, WireType};

/// The longest path of merged singular message fields a view can stand for. The generator
/// checks every schema against it (a schema that nests deeper is refused at codegen time); the
/// schemas in `proto/` need 2. Each view carries the path inline, so it is kept small.
pub const MAX_PATH: usize = 2;

/// The bytes a message view was decoded from, kept so that its repeated fields and maps can be
/// iterated later without allocating.
///
/// Usually one body (`One`). When a message field occurs more than once, protobuf merges the
/// occurrences; the merged view then stands for *every* occurrence of its field path below a
/// root body, in input order, which is what iteration walks.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
///
/// 24 bytes: the root (`None` until a body is recorded) and the path, whose unused entries are
/// 0 (no field is numbered 0), so its depth needs no byte of its own. Every view but those of
/// messages without lists, maps or message fields carries one, and a view is copied when it is
/// returned, so each byte saved here is saved several times over.
pub struct Src<'a> {
    root: Option<&'a [u8]>,
    path: [u32; MAX_PATH],
}

impl<'a> Src<'a> {
    /// No body: what a view without lists, maps or message fields, which keeps no `Src`,
    /// reports (and passes to its fields, which do not read it).
    pub const NONE: Src<'static> = Src {
        root: None,
        path: [0; MAX_PATH],
    };

    /// One body.
    #[inline]
    pub fn one(body: &'a [u8]) -> Self {
        Self {
            root: Some(body),
            path: [0; MAX_PATH],
        }
    }

    /// Whether a body was recorded (a default view has none).
    #[inline]
    pub fn is_set(&self) -> bool {
        self.root.is_some()
    }

    /// How many fields the path has.
    #[inline]
    fn depth(&self) -> usize {
        self.path.iter().take_while(|&&tag| tag != 0).count()
    }

    /// Where to look for a repeated field whose occurrences all lie in `span` (recorded when
    /// the view was decoded): only there, when the view has one body; everywhere when it was
    /// merged from several.
    #[inline]
    pub fn narrow(&self, span: &'a [u8]) -> Self {
        match (self.is_set(), self.depth()) {
            (true, 0) if span.is_empty() => Self::default(),
            (true, 0) => Self::one(span),
            _ => *self,
        }
    }

    /// Every occurrence of field `tag` (never 0) in what `self` stands for.
    #[inline]
    pub fn child(&self, tag: u32) -> Self {
        let mut out = *self;
        if let Some(slot) = out.path.get_mut(self.depth()) {
            *slot = tag;
        }
        out
    }

    /// The occurrences of field `tag`, in input order.
    pub(crate) fn occurrences(&self, tag: u32) -> Occurrences<'a> {
        let mut levels = [Level::default(); MAX_PATH + 1];
        let root = self.root.unwrap_or_default();
        levels[0] = Level {
            reader: Reader::new(root),
            end: root.len(),
        };
        Occurrences {
            path: self.path,
            depth: self.depth(),
            tag,
            levels,
            level: usize::from(self.is_set()),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Level<'a> {
    reader: Reader<'a>,
    end: usize,
}

impl Default for Level<'_> {
    fn default() -> Self {
        Self {
            reader: Reader::new(&[]),
            end: 0,
        }
    }
}

impl<'a> Level<'a> {
    /// The next field numbered `tag` at this level, skipping others: its wire type and a reader
    /// at its value; the level's own reader moves past the value.
    fn next(&mut self, tag: u32) -> Option<(WireType, Reader<'a>)> {
        while self.reader.before(self.end) {
            let (t, wire_type) = self.reader.key().ok()?;
            let at = self.reader;
            self.reader.skip(t, wire_type, Ctx::TOP).ok()?;
            if t == tag {
                return Some((wire_type, at));
            }
        }
        None
    }
}

/// An iterator over the values of one field number in a [`Src`], through its path.
#[derive(Clone, Debug)]
pub(crate) struct Occurrences<'a> {
    path: [u32; MAX_PATH],
    depth: usize,
    tag: u32,
    levels: [Level<'a>; MAX_PATH + 1],
    /// How many levels are open (0: exhausted).
    level: usize,
}

impl<'a> Iterator for Occurrences<'a> {
    type Item = (WireType, Reader<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        while self.level > 0 {
            let index = self.level - 1;
            let want = if index < self.depth {
                *self.path.get(index)?
            } else {
                self.tag
            };
            let found = self.levels.get_mut(index)?.next(want);
            match found {
                None => self.level -= 1,
                Some(found) if index >= self.depth => return Some(found),
                Some((WireType::LengthDelimited, mut reader)) => {
                    let end = reader.length().ok()?;
                    *self.levels.get_mut(index + 1)? = Level { reader, end };
                    self.level += 1;
                }
                // A path field with another wire type fails validation; never reached.
                Some(_) => {}
            }
        }
        None
    }
}
