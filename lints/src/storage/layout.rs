//! Expected size of an aligned row (PostgreSQL heap tuples and index tuples), computed exactly
//! over the distribution of where each column starts modulo 8, so that alignment padding and
//! the final MAXALIGN are averaged correctly for nullable and variable-width columns.

/// Where a column's width came from, so the UI can say "assumed".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WidthSource {
    /// Fixed by the type (`bigint` is 8 bytes).
    Declared,
    /// A documented default for a variable-width type with no stats (`text`: 32 bytes).
    Assumed,
    /// Sampled by `collect` (`avg_width`).
    Stats,
}

impl WidthSource {
    pub fn name(self) -> &'static str {
        match self {
            WidthSource::Declared => "declared",
            WidthSource::Assumed => "assumed",
            WidthSource::Stats => "stats",
        }
    }
}

/// One column's place in the row.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnLayout {
    pub name: String,
    pub type_name: String,
    /// Average stored bytes of a non-null value, headers of variable-width values included.
    pub bytes: f64,
    /// Average alignment padding inserted before the value.
    pub padding_before: f64,
    /// Alignment the value needs (1, 2, 4 or 8).
    pub align: u8,
    /// Probability the value is null (and then takes no bytes).
    pub null_frac: f64,
    pub source: WidthSource,
}

/// The distribution of a present value's width, by width modulo 8: (probability, mean width).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Width {
    by_mod: [(f64, f64); 8],
}

impl Width {
    pub fn fixed(bytes: u32) -> Width {
        let mut by_mod = [(0.0, 0.0); 8];
        by_mod[(bytes % 8) as usize] = (1.0, f64::from(bytes));
        Width { by_mod }
    }

    /// Widths spread evenly over `low..=high`.
    pub fn uniform(low: u32, high: u32) -> Width {
        let (low, high) = (low.min(high), high.max(low));
        let count = f64::from(high - low + 1);
        let mut sums = [(0.0, 0.0); 8];
        for width in low..=high {
            let slot = &mut sums[(width % 8) as usize];
            slot.0 += 1.0 / count;
            slot.1 += f64::from(width) / count;
        }
        let by_mod = sums.map(|(p, weighted)| if p > 0.0 { (p, weighted / p) } else { (0.0, 0.0) });
        Width { by_mod }
    }

    /// A variable width with mean `mean` spread by up to `spread` bytes either side.
    pub fn around(mean: f64, spread: f64) -> Width {
        let spread = spread.max(0.0).min(mean - 1.0).max(0.0);
        if spread < 0.5 {
            return Width::fixed(mean.round().max(0.0) as u32);
        }
        let low = (mean - spread).round().max(0.0) as u32;
        let high = (mean + spread).round() as u32;
        let mut width = Width::uniform(low, high);
        // Keep the mean exactly where the statistics put it.
        let current = width.mean();
        if current > 0.0 {
            let shift = mean - current;
            for slot in &mut width.by_mod {
                if slot.0 > 0.0 {
                    slot.1 += shift;
                }
            }
        }
        width
    }

    pub fn mean(&self) -> f64 {
        self.by_mod.iter().map(|(p, m)| p * m).sum()
    }

    pub fn is_fixed(&self) -> bool {
        self.by_mod.iter().filter(|(p, _)| *p > 0.0).count() == 1
            && self.by_mod.iter().all(|(p, m)| *p == 0.0 || m.fract() == 0.0)
    }
}

pub(crate) struct ColumnShape {
    pub width: Width,
    pub align: u8,
    pub null_frac: f64,
}

/// The expected size of rows laid out from a MAXALIGNed start.
pub(crate) struct AlignedRow {
    /// Expected `MAXALIGN(header + data)`.
    pub mean_bytes: f64,
    /// The one size every row has, when the layout has no variation.
    pub fixed_bytes: Option<u32>,
    /// Expected padding before each column.
    pub paddings: Vec<f64>,
    /// Expected column data bytes, padding excluded.
    pub data_bytes: f64,
}

/// Lays `columns` out in order. `header(has_null)` is the (MAXALIGNed) header size.
pub(crate) fn aligned_row(columns: &[ColumnShape], header: impl Fn(bool) -> u32) -> AlignedRow {
    // State: (offset mod 8, row has a null) → (probability, probability × mean offset).
    let mut states = [[(0.0f64, 0.0f64); 2]; 8];
    states[0][0] = (1.0, 0.0);
    let mut paddings = Vec::with_capacity(columns.len());
    let mut data_bytes = 0.0;
    for column in columns {
        let mut next = [[(0.0f64, 0.0f64); 2]; 8];
        let align = u32::from(column.align.max(1));
        let present = 1.0 - column.null_frac.clamp(0.0, 1.0);
        let mut padding = 0.0;
        for (offset_mod, by_null) in states.iter().enumerate() {
            for (has_null, &(p, weighted)) in by_null.iter().enumerate() {
                if p <= 0.0 {
                    continue;
                }
                if column.null_frac > 0.0 {
                    let slot = &mut next[offset_mod][1];
                    slot.0 += p * column.null_frac;
                    slot.1 += weighted * column.null_frac;
                }
                if present <= 0.0 {
                    continue;
                }
                let pad = (align - offset_mod as u32 % align) % align;
                padding += p * present * f64::from(pad);
                for (width_mod, &(q, mean_width)) in column.width.by_mod.iter().enumerate() {
                    if q <= 0.0 {
                        continue;
                    }
                    let landing = (offset_mod + pad as usize + width_mod) % 8;
                    let probability = p * present * q;
                    let slot = &mut next[landing][has_null];
                    slot.0 += probability;
                    slot.1 += (weighted + p * f64::from(pad)) * present * q + probability * mean_width;
                }
            }
        }
        data_bytes += present * column.width.mean();
        paddings.push(padding);
        states = next;
    }
    let mut mean_bytes = 0.0;
    let mut occupied = Vec::new();
    for (offset_mod, by_null) in states.iter().enumerate() {
        for (has_null, &(p, weighted)) in by_null.iter().enumerate() {
            if p <= 0.0 {
                continue;
            }
            let tail = ((8 - offset_mod) % 8) as f64;
            mean_bytes += p * f64::from(header(has_null == 1)) + weighted + p * tail;
            occupied.push((p, weighted / p, has_null == 1, tail));
        }
    }
    let fixed_bytes = match occupied.as_slice() {
        [(_, offset, has_null, tail)] if offset.fract().abs() < 1e-9 && columns.iter().all(|c| c.width.is_fixed()) => {
            Some(header(*has_null) + (*offset + *tail) as u32)
        }
        _ => None,
    };
    AlignedRow { mean_bytes, fixed_bytes, paddings, data_bytes }
}

pub(crate) fn maxalign(bytes: u32) -> u32 {
    bytes.div_ceil(8) * 8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(bytes: u32, align: u8) -> ColumnShape {
        ColumnShape { width: Width::fixed(bytes), align, null_frac: 0.0 }
    }

    #[test]
    fn fixed_rows_pad_like_the_server() {
        // (int4, int8): 4 bytes, 4 padding, 8 bytes = 16; with the 24-byte header, 40.
        let row = aligned_row(&[fixed(4, 4), fixed(8, 8)], |_| 24);
        assert_eq!(row.fixed_bytes, Some(40));
        assert_eq!(row.paddings, [0.0, 4.0]);
        // (int8, int4): 12 bytes, MAXALIGNed to 16: same 40, no padding inside.
        let row = aligned_row(&[fixed(8, 8), fixed(4, 4)], |_| 24);
        assert_eq!((row.fixed_bytes, row.paddings.clone()), (Some(40), vec![0.0, 0.0]));
        // (bool, int8, bool, int8): 1 + 7 + 8 + 1 + 7 + 8 = 32 → 56 with header.
        let row = aligned_row(&[fixed(1, 1), fixed(8, 8), fixed(1, 1), fixed(8, 8)], |_| 24);
        assert_eq!(row.fixed_bytes, Some(56));
    }

    #[test]
    fn nulls_average_over_both_cases() {
        // An int8 null half the time: 24 + 8 or a 32-byte header (bitmap) + 0.
        let row = aligned_row(&[ColumnShape { width: Width::fixed(8), align: 8, null_frac: 0.5 }], |null| {
            if null {
                32
            } else {
                24
            }
        });
        assert!((row.mean_bytes - 32.0).abs() < 1e-9, "{}", row.mean_bytes);
        assert_eq!(row.fixed_bytes, None);
    }

    #[test]
    fn spread_widths_average_the_final_alignment() {
        // Widths 1..=8 with equal odds after a 24-byte header: MAXALIGN gives 32 every time.
        let row = aligned_row(&[ColumnShape { width: Width::uniform(1, 8), align: 1, null_frac: 0.0 }], |_| 24);
        assert!((row.mean_bytes - 32.0).abs() < 1e-9);
        // Widths 1..=16: half the rows take 32, half 40.
        let row = aligned_row(&[ColumnShape { width: Width::uniform(1, 16), align: 1, null_frac: 0.0 }], |_| 24);
        assert!((row.mean_bytes - 36.0).abs() < 1e-9, "{}", row.mean_bytes);
        let around = Width::around(10.5, 3.0);
        assert!((around.mean() - 10.5).abs() < 1e-9);
    }
}
