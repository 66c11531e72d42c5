//! The years shipped in the repository (`calendar/*.json`), embedded in the binary.

use super::schedule::{YearSchedule, parse_file};

/// The data files, by name. Add next year's file here and in `calendar/` once the State Council
/// publishes it (until then an operator uploads it through the API).
pub(crate) const FILES: &[(&str, &str)] = &[
    ("2020.json", include_str!("../../../calendar/2020.json")),
    ("2021.json", include_str!("../../../calendar/2021.json")),
    ("2022.json", include_str!("../../../calendar/2022.json")),
    ("2023.json", include_str!("../../../calendar/2023.json")),
    ("2024.json", include_str!("../../../calendar/2024.json")),
    ("2025.json", include_str!("../../../calendar/2025.json")),
    ("2026.json", include_str!("../../../calendar/2026.json")),
];

/// The built-in years. A file that fails to parse is logged and skipped (its dates then fall back
/// to weekends-only and are marked provisional); a unit test keeps every shipped file valid.
pub fn builtin_years() -> Vec<YearSchedule> {
    FILES
        .iter()
        .filter_map(|(name, text)| match parse_file(text) {
            Ok(schedule) => Some(schedule),
            Err(error) => {
                tracing::error!(file = name, %error, "built-in calendar file is invalid; skipped");
                None
            }
        })
        .collect()
}
