//! Quizzes: placeholder, owned by the quiz work (issue 5).
