//! Remix statistics: placeholder (issue 4).
