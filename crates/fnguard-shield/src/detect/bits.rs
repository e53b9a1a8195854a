//! Where a detector's bytes are in a value, one bit per byte: found by comparisons the compiler
//! turns into vector instructions, so that a detector jumps from one of its bytes to the next
//! instead of testing every byte in turn. On text dense with delimiters (one every few bytes)
//! the byte-by-byte skip loops were most of several detectors' time.

/// The positions of one set of bytes in a value, in words of 64.
pub(crate) struct ByteBits(Vec<u64>);

impl ByteBits {
    /// One `ByteBits` for each of the `N` sets `member` tells apart (`member(c)[k]`: whether
    /// `c` is in set `k`), from one pass over `b`. Written as comparisons joined with `|`,
    /// `member` becomes vector instructions once inlined here.
    #[inline(always)]
    pub(crate) fn of<const N: usize>(b: &[u8], member: impl Fn(u8) -> [bool; N]) -> [ByteBits; N] {
        let words = b.len().div_ceil(64);
        let mut out: [ByteBits; N] = std::array::from_fn(|_| ByteBits(Vec::with_capacity(words)));
        for chunk in b.chunks(64) {
            // A whole block, padded: a loop of known length is the one that is vectorised.
            let mut block = [0u8; 64];
            block[..chunk.len()].copy_from_slice(chunk);
            let mut flags = [[0u8; 64]; N];
            #[allow(clippy::needless_range_loop)]
            for k in 0..64 {
                let sets = member(block[k]);
                for n in 0..N {
                    flags[n][k] = u8::from(sets[n]);
                }
            }
            for (bits, flags) in out.iter_mut().zip(&mut flags) {
                // The padding (zero may be in a set).
                flags[chunk.len()..].fill(0);
                bits.0.push(packed(flags));
            }
        }
        out
    }

    /// The first position from `i` on that holds a byte of the set; `len` (the value's length)
    /// when none does.
    pub(crate) fn next(&self, i: usize, len: usize) -> usize {
        let mut w = i / 64;
        let Some(&first) = self.0.get(w) else {
            return len;
        };
        let mut bits = first & (u64::MAX << (i % 64));
        loop {
            if bits != 0 {
                return (w * 64 + bits.trailing_zeros() as usize).min(len);
            }
            w += 1;
            match self.0.get(w) {
                Some(&word) => bits = word,
                None => return len,
            }
        }
    }
}

/// 64 flags (each 0 or 1) as the bits of one number, flag `k` at bit `k`: eight at a time, a
/// multiplication gathers each byte's low bit into the top byte.
fn packed(flags: &[u8; 64]) -> u64 {
    let mut out = 0u64;
    for (n, eight) in flags.chunks_exact(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(eight);
        let gathered = u64::from_le_bytes(word).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        out |= gathered << (8 * n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `next` from every position of values of every length up to three blocks finds what a
    /// byte-by-byte search finds, for sets with and without zero.
    #[test]
    fn next_is_the_first_byte_of_the_set_from_where_it_starts() {
        let sets: [&[u8]; 3] = [b";|&", b"a", b"\0x"];
        let member = |c: u8| sets.map(|set| set.contains(&c));
        let mut x = 7u64;
        for len in 0..200 {
            let v: Vec<u8> = (0..len)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    b"ab;|&x\0 "[(x >> 33) as usize % 8]
                })
                .collect();
            let bits = ByteBits::of(&v, member);
            for (set, bits) in sets.iter().zip(&bits) {
                for i in 0..=len + 1 {
                    let expected = (i..len).find(|&k| set.contains(&v[k])).unwrap_or(len);
                    assert_eq!(bits.next(i, len), expected, "{v:?} {set:?} from {i}");
                }
            }
        }
    }
}
