//! User Timing marks for devtools and `make bench`.

/// A User Timing measure (devtools' Performance panel, `make bench`) from creation to drop. The
/// timeline entries are cleared at once: observers still receive them, the page keeps none.
pub struct UserTiming {
    name: &'static str,
    performance: Option<web_sys::Performance>,
}

impl UserTiming {
    pub fn start(name: &'static str) -> UserTiming {
        let performance = web_sys::window().and_then(|w| w.performance());
        if let Some(p) = &performance {
            let _ = p.mark(name);
        }
        UserTiming { name, performance }
    }
}

impl Drop for UserTiming {
    fn drop(&mut self) {
        if let Some(p) = &self.performance {
            let _ = p.measure_with_start_mark(self.name, self.name);
            p.clear_marks_with_mark_name(self.name);
            p.clear_measures_with_measure_name(self.name);
        }
    }
}

/// A User Timing mark (`make bench` tells a sync's steps apart by them), cleared at once like
/// the measures: observers receive it, the page keeps none.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
        p.clear_marks_with_mark_name(name);
    }
}
