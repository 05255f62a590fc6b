//! Statistics: placeholder (issue 3).
