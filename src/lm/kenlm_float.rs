//! How KenLM prints a stored `f32` in an ARPA file, so that a model written by coinflip is byte
//! for byte the file `lmplz` writes.
//!
//! KenLM formats with double-conversion's `ToShortestSingle` (`util/float_to_string.cc`:
//! `DoubleToStringConverter(NO_FLAGS, "inf", "NaN", 'e', -6, 21, 6, 0)`): the shortest decimal
//! that reads back as the same `f32`; when the value lies exactly halfway between the two
//! shortest candidates it takes the one whose last digit is even (double-conversion's
//! `bignum-dtoa.cc`, "round towards even"); plain decimal notation when the decimal exponent is
//! in −6..21, else `1.5e-7` (no `+`, no leading zeros in the exponent). Rust's `Display` finds the
//! same shortest digits but breaks such ties upwards (`-2.53515625` → `-2.5351563`, lmplz
//! `-2.5351562`) and never uses an exponent, so this module starts from Rust's digits and
//! corrects those two cases; every other value prints exactly as `Display` prints it.

use std::fmt::Write as _;

/// Appends `x` as KenLM prints it. Zero (either sign) is `0`, as every ARPA writer prints it.
pub fn push(out: &mut String, x: f32) {
    if x == 0.0 {
        out.push('0');
        return;
    }
    if !x.is_finite() {
        // `-inf`, `inf`, `NaN`: Rust and double-conversion (as KenLM configures it) agree.
        let _ = write!(out, "{x}");
        return;
    }
    let mut buf = Buf::default();
    let _ = write!(buf, "{}", x.abs());
    let mut dec = Decimal::parse(buf.as_str());
    if let Some(even) = tie_to_even(x.abs(), &dec) {
        dec = even;
    }
    if x < 0.0 {
        out.push('-');
    }
    dec.write(out);
}

/// A positive decimal `0.d₁d₂…dₙ × 10^point` with `d₁ ≠ 0` and `dₙ ≠ 0` (double-conversion's
/// digits and decimal point).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decimal {
    digits: u64,
    len: u32,
    point: i32,
}

impl Decimal {
    /// Reads Rust's `Display` of a finite positive `f32` (`123.45`, `0.00012`, `1000`).
    fn parse(s: &str) -> Decimal {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let int = int.trim_start_matches('0');
        let mut digits = 0u64;
        let mut len = 0u32;
        let mut point = int.len() as i32;
        let mut leading = int.is_empty();
        // Zeros are taken in only when a non-zero digit follows them (`340282350000…000` has 8
        // significant digits but 39 places).
        let mut zeros = 0u32;
        for b in int.bytes().chain(frac.bytes()) {
            if leading && b == b'0' {
                point -= 1;
                continue;
            }
            leading = false;
            if b == b'0' {
                zeros += 1;
                continue;
            }
            for _ in 0..zeros {
                digits *= 10;
            }
            digits = digits * 10 + u64::from(b - b'0');
            len += zeros + 1;
            zeros = 0;
        }
        Decimal { digits, len, point }
    }

    /// The same value with the trailing zero digits removed (`1000` has one digit, point 4).
    fn trimmed(mut self) -> Decimal {
        while self.len > 1 && self.digits.is_multiple_of(10) {
            self.digits /= 10;
            self.len -= 1;
        }
        self
    }

    /// double-conversion's `CreateDecimalRepresentation` / `CreateExponentialRepresentation`
    /// with KenLM's limits (decimal for exponents −6..21) and `NO_FLAGS`.
    fn write(&self, out: &mut String) {
        let mut buf = itoa_buf(self.digits);
        let digits = &mut buf.0[buf.1..];
        let digits = std::str::from_utf8(digits).unwrap_or("0");
        let exponent = self.point - 1;
        let len = self.len as i32;
        if (-6..21).contains(&exponent) {
            if self.point <= 0 {
                out.push_str("0.");
                out.extend(std::iter::repeat_n('0', (-self.point) as usize));
                out.push_str(digits);
            } else if self.point >= len {
                out.push_str(digits);
                out.extend(std::iter::repeat_n('0', (self.point - len) as usize));
            } else {
                let (a, b) = digits.split_at(self.point as usize);
                out.push_str(a);
                out.push('.');
                out.push_str(b);
            }
        } else {
            let (first, rest) = digits.split_at(1);
            out.push_str(first);
            if !rest.is_empty() {
                out.push('.');
                out.push_str(rest);
            }
            let _ = write!(out, "e{exponent}");
        }
    }

    /// The value this decimal reads back as.
    fn read_back(&self) -> Option<f32> {
        let mut s = String::with_capacity(32);
        let _ = write!(s, "{}e{}", self.digits, self.point - self.len as i32);
        s.parse().ok()
    }
}

/// When `x` (positive, finite) lies exactly halfway between two decimals of `shortest.len`
/// digits and the even one also reads back as `x`, that even decimal; otherwise `None`.
///
/// `x = m·2⁻ᵏ` with `m` odd and `k ≥ 1` has the exact expansion `m·5ᵏ·10⁻ᵏ`, whose last digit is
/// a 5; it is a tie at `n` digits exactly when `m·5ᵏ` has `n + 1` digits. A shortest `f32`
/// decimal has at most 9 digits, so `m·5ᵏ < 10¹⁰`, i.e. `k ≤ 14`: no overflow in a `u64`.
fn tie_to_even(x: f32, shortest: &Decimal) -> Option<Decimal> {
    let bits = x.to_bits();
    let field = (bits >> 23) & 0xff;
    let (mut m, mut k) = if field == 0 {
        (bits & 0x7f_ffff, 149i32)
    } else {
        ((bits & 0x7f_ffff) | 0x80_0000, 150 - field as i32)
    };
    let tz = m.trailing_zeros();
    m >>= tz;
    k -= tz as i32;
    if !(1..=14).contains(&k) {
        return None;
    }
    let exact = u64::from(m) * 5u64.pow(k as u32);
    if digit_count(exact) != shortest.len + 1 {
        return None;
    }
    // The exact value is (lo + ½)·10^(1−k): lo and lo + 1 are equally close.
    let lo = exact / 10;
    let candidate = |digits: u64| {
        let len = digit_count(digits);
        // 10^(1−k)·digits = 0.d…d × 10^(len + 1 − k)
        Decimal {
            digits,
            len,
            point: len as i32 + 1 - k,
        }
        .trimmed()
    };
    let even = if lo.is_multiple_of(2) { lo } else { lo + 1 };
    let even = candidate(even);
    (even != *shortest && even.read_back() == Some(x)).then_some(even)
}

fn digit_count(mut v: u64) -> u32 {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

/// The decimal digits of `v` at the end of a 20-byte buffer: (buffer, first index).
fn itoa_buf(mut v: u64) -> ([u8; 20], usize) {
    let mut buf = [b'0'; 20];
    let mut i = 20;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return (buf, i);
        }
    }
}

/// A stack buffer for one formatted `f32` (Rust's `Display` of an `f32` is at most 47 bytes:
/// `0.` and 45 digits for the smallest subnormal).
struct Buf {
    bytes: [u8; 64],
    len: usize,
}

impl Default for Buf {
    fn default() -> Buf {
        Buf {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl Buf {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("0")
    }
}

impl std::fmt::Write for Buf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `n / 256`, exact in an `f32` (the tie values below have 9 significant digits, more than
    /// an `f32` literal may spell).
    fn x256(n: i32) -> f32 {
        n as f32 / 256.0
    }

    /// 4.01171875 = 1027/256 is halfway between 4.0117187 and 4.0117188; the even one is the
    /// upper.
    fn tie_up() -> f32 {
        x256(1027)
    }

    fn kenlm(x: f32) -> String {
        let mut s = String::new();
        push(&mut s, x);
        s
    }

    #[test]
    fn ties_round_to_the_even_digit_as_lmplz_prints_them() {
        // -2.53515625 = -649/256 lies exactly between -2.5351562 and -2.5351563 (both read back
        // as it); lmplz prints the even one.
        assert_eq!(f64::from(x256(-649)), -2.535_156_25);
        assert_eq!("-2.5351562".parse::<f32>(), Ok(x256(-649)));
        assert_eq!("-2.5351563".parse::<f32>(), Ok(x256(-649)));
        assert_eq!(format!("{}", x256(-649)), "-2.5351563");
        assert_eq!(kenlm(x256(-649)), "-2.5351562");
        assert_eq!(kenlm(x256(649)), "2.5351562");
        assert_eq!(kenlm(x256(1025)), "4.0039062");
        assert_eq!(kenlm(x256(-257)), "-1.0039062");
        // A tie whose even neighbour is the upper one: Rust already prints it.
        assert_eq!(kenlm(tie_up()), format!("{}", tie_up()));
        assert_eq!(kenlm(tie_up()), "4.0117188");
    }

    #[test]
    fn every_tie_below_ten_with_eight_digits_is_even_and_reads_back() {
        // Every f32 in [1, 2) is m·2⁻²³; those with exactly 9 significant digits ending in 5
        // and whose shortest form has 8 digits are ties. Check all of them against an
        // independent rule: the printed digits are the nearest 8-digit decimals, even on ties.
        let mut ties = 0;
        // Only m·2⁻²³ with 2⁹ | m has at most 9 significant digits (k ≤ 14 after reduction).
        for m in (0u32..(1 << 23)).step_by(1 << 9) {
            let x = f32::from_bits((127 << 23) | m);
            let s = kenlm(x);
            assert_eq!(s.parse::<f32>(), Ok(x), "{s} reads back");
            // exact decimal of x: x·10^23 / 2^23·... use the 9-digit expansion when it is one.
            let exact = format!("{:.23}", f64::from(x));
            let exact = exact.trim_end_matches('0');
            if exact.len() == 10 && s.len() == 9 {
                // "1.dddddddd5" (9 significant digits) printed with 8.
                ties += 1;
                let last = s.as_bytes()[8] - b'0';
                assert_eq!(last % 2, 0, "{exact} printed {s}");
            }
        }
        assert!(ties > 100, "found {ties} ties");
    }

    #[test]
    fn kenlm_notation_for_tiny_and_huge_values() {
        assert_eq!(kenlm(0.000_001), "0.000001");
        assert_eq!(kenlm(-0.000_001_5), "-0.0000015");
        assert_eq!(kenlm(1e-7), "1e-7");
        assert_eq!(kenlm(-1.5e-7), "-1.5e-7");
        assert_eq!(kenlm(1e20), "100000000000000000000");
        assert_eq!(kenlm(1e21), "1e21");
        assert_eq!(kenlm(1.25e30), "1.25e30");
        assert_eq!(kenlm(-0.0), "0");
        assert_eq!(kenlm(f32::NEG_INFINITY), "-inf");
        assert_eq!(kenlm(-99.0), "-99");
        assert_eq!(kenlm(-0.088_179_775), "-0.088179775");
        assert_eq!(kenlm(f32::from_bits(1)), "1e-45");
    }

    proptest! {
        /// Every value reads back as the same f32, has no more digits than Rust's shortest form,
        /// and differs from it only on ties.
        #[test]
        fn reads_back_and_stays_shortest(bits in any::<u32>()) {
            let x = f32::from_bits(bits);
            prop_assume!(x.is_finite() && x != 0.0);
            let s = kenlm(x);
            prop_assert_eq!(s.parse::<f32>(), Ok(x));
            let rust = format!("{x}");
            let mantissa = s.trim_start_matches('-').split('e').next().unwrap_or("");
            let ours = Decimal::parse(mantissa);
            let theirs = Decimal::parse(rust.trim_start_matches('-'));
            prop_assert_eq!(ours.len, theirs.len);
            if ours.digits != theirs.digits {
                prop_assert!(tie_to_even(x.abs(), &theirs).is_some());
            }
        }

        /// In the decimal range the output is Rust's `Display` except on ties.
        #[test]
        fn same_as_display_off_ties(x in -100.0f32..100.0) {
            prop_assume!(x != 0.0 && x.abs() >= 1e-6);
            let s = kenlm(x);
            let rust = format!("{x}");
            let tie = tie_to_even(x.abs(), &Decimal::parse(rust.trim_start_matches('-')));
            prop_assert_eq!(s == rust, tie.is_none(), "{} vs {}", s, rust);
        }
    }
}
