//! Scores per document (or item) while answering a query.

/// Scores per document in a dense array, remembering which are set so that reading
/// them out is proportional to the matches, not to the index.
pub(super) struct Accumulator {
    values: Vec<f32>,
    touched: Vec<u32>,
}

impl Accumulator {
    pub(super) fn new(len: usize) -> Accumulator {
        Accumulator {
            values: vec![0.0; len],
            touched: Vec::new(),
        }
    }

    /// Keeps the larger of the stored and the given score.
    pub(super) fn raise(&mut self, id: u32, value: f32) {
        if !value.is_finite() || value <= 0.0 {
            return;
        }
        let slot = &mut self.values[id as usize];
        if *slot <= 0.0 {
            self.touched.push(id);
        }
        *slot = slot.max(value);
    }

    pub(super) fn add(&mut self, id: u32, value: f32) {
        if !value.is_finite() || value <= 0.0 {
            return;
        }
        let slot = &mut self.values[id as usize];
        if *slot <= 0.0 {
            self.touched.push(id);
        }
        *slot += value;
    }

    /// Hands out every set score in the order first set, and resets them.
    pub(super) fn drain(&mut self, mut each: impl FnMut(u32, f32)) {
        for id in self.touched.drain(..) {
            let value = std::mem::take(&mut self.values[id as usize]);
            each(id, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accumulator_keeps_maxima_and_sums_and_resets() {
        let mut scores = Accumulator::new(4);
        scores.raise(2, 1.0);
        scores.raise(2, 3.0);
        scores.raise(2, 2.0);
        scores.add(0, 1.0);
        scores.add(0, 1.5);
        scores.raise(1, f32::NAN);
        let mut seen = Vec::new();
        scores.drain(|id, value| seen.push((id, value)));
        assert_eq!(seen, [(2, 3.0), (0, 2.5)]);
        scores.drain(|_, _| panic!("drained twice"));
    }
}
