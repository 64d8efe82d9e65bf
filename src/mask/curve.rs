//! A threshold curve the user draws: up to [`MAX_NODES`] points (frequency, dB) that raise or
//! lower the threshold by frequency, on top of the tilt. Between nodes the offset is linear
//! in log frequency (how the editor and the ear space frequencies); outside them it holds
//! the nearest node's offset. Kept in Hz, not bins, so it survives every window change.

use serde::{Deserialize, Serialize};

/// Most nodes a curve holds: enough for a shelf, a notch and a bump.
pub const MAX_NODES: usize = 8;
/// Range of a node's frequency and offset.
pub const MIN_HZ: f32 = 20.0;
pub const MAX_HZ: f32 = 24_000.0;
pub const MAX_OFFSET_DB: f32 = 40.0;

/// One point of the curve.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Node {
    pub hz: f32,
    pub db: f32,
}

/// The curve: nodes sorted by frequency, in a fixed array so the audio thread can take a
/// new one without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Curve {
    nodes: [Node; MAX_NODES],
    len: usize,
}

impl Curve {
    /// A curve through `nodes`: non-finite ones dropped, the rest clamped to range, sorted,
    /// the first [`MAX_NODES`] kept.
    pub fn new(nodes: &[Node]) -> Self {
        let mut curve = Self::default();
        for node in nodes
            .iter()
            .filter(|node| node.hz.is_finite() && node.db.is_finite())
        {
            if curve.len == MAX_NODES {
                break;
            }
            curve.nodes[curve.len] = Node {
                hz: node.hz.clamp(MIN_HZ, MAX_HZ),
                db: node.db.clamp(-MAX_OFFSET_DB, MAX_OFFSET_DB),
            };
            curve.len += 1;
        }
        curve.nodes[..curve.len].sort_by(|a, b| a.hz.total_cmp(&b.hz));
        curve
    }

    /// A curve through `(hz, db)` pairs, as [`Self::new`] takes nodes.
    pub fn from_pairs(pairs: &[(f32, f32)]) -> Self {
        let mut nodes = [Node::default(); MAX_NODES];
        let len = pairs.len().min(MAX_NODES);
        for (node, &(hz, db)) in nodes.iter_mut().zip(pairs) {
            *node = Node { hz, db };
        }
        Self::new(&nodes[..len])
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes[..self.len]
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The curve's offset of the threshold at `hz`, in dB (0 without nodes).
    pub fn offset_db(&self, hz: f32) -> f32 {
        let nodes = self.nodes();
        let (Some(first), Some(last)) = (nodes.first(), nodes.last()) else {
            return 0.0;
        };
        if hz <= first.hz {
            return first.db;
        }
        // Between the first node with a higher frequency and the one before it; nodes are
        // sorted, so past the last one the offset is the last node's.
        match nodes.windows(2).find(|pair| hz < pair[1].hz) {
            Some(&[a, b]) => a.db + (b.db - a.db) * (hz / a.hz).log2() / (b.hz / a.hz).log2(),
            _ => last.db,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(hz: f32, db: f32) -> Node {
        Node { hz, db }
    }

    #[test]
    fn the_offset_is_linear_in_log_frequency_and_flat_outside() {
        let curve = Curve::from_pairs(&[(4000.0, 20.0), (1000.0, 0.0)]);
        assert_eq!(curve.nodes()[0].hz, 1000.0);
        assert_eq!(curve.offset_db(100.0), 0.0);
        assert!((curve.offset_db(2000.0) - 10.0).abs() < 1e-4);
        assert_eq!(curve.offset_db(10_000.0), 20.0);
        assert_eq!(Curve::default().offset_db(5000.0), 0.0);
    }

    #[test]
    fn nodes_are_clamped_capped_and_cleaned() {
        let many: Vec<Node> = (0..12)
            .map(|i| node(100.0 * (i + 1) as f32, 99.0))
            .collect();
        let curve = Curve::new(&many);
        assert_eq!(curve.nodes().len(), MAX_NODES);
        assert!(curve.nodes().iter().all(|n| n.db == MAX_OFFSET_DB));
        let curve = Curve::new(&[node(f32::NAN, 0.0), node(1.0, -99.0)]);
        assert_eq!(curve.nodes(), &[node(MIN_HZ, -MAX_OFFSET_DB)]);
    }
}
