//! Shared application state: the seams as `Arc<dyn Trait>`, cheap to clone into handlers and tasks.
