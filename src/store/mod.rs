//! SQLite state: conversation threads, seen ids, feedback and the embedded alert queue.
