//! The agency dashboard (`GET /dinas/dasbor`): counts, turnaround tables, and a bar chart
//! drawn here as inline SVG (no script, nothing fetched), and the queue's deadline badges.

use std::fmt::Write as _;

use askama::Template;
use sahih_workflow::Summary;

use super::{DocumentRow, Page};
use crate::app::Dashboard;
use crate::i18n::Lang;

/// The windows the dashboard offers, days.
pub const WINDOW_CHOICES: [u32; 4] = [30, 90, 180, 365];

/// One summary as table cells: count, median and 90th percentile in words (`—` for none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cells {
    /// How many durations.
    pub count: usize,
    /// The median, e.g. `2 hari 3 jam`.
    pub median: String,
    /// The 90th percentile.
    pub p90: String,
}

impl Cells {
    fn of(summary: Option<Summary>, lang: Lang) -> Cells {
        match summary {
            Some(s) => Cells {
                count: s.count,
                median: human_duration(s.median, lang),
                p90: human_duration(s.p90, lang),
            },
            None => Cells {
                count: 0,
                median: "—".into(),
                p90: "—".into(),
            },
        }
    }
}

/// A service's line of the turnaround table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLine {
    /// The service's name.
    pub service: String,
    /// Submission to signature.
    pub signed: Cells,
    /// Submission to closing.
    pub closed: Cells,
}

/// A step's line of the per-step table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepLine {
    /// The service's name.
    pub service: String,
    /// The step's name.
    pub step: String,
    /// Time at the step.
    pub time: Cells,
}

/// The dashboard page.
#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    /// Common.
    pub p: Page,
    /// The figures.
    pub d: Dashboard,
    /// Per service, in words.
    pub services: Vec<ServiceLine>,
    /// Per step, in words.
    pub steps: Vec<StepLine>,
    /// The chart of median and p90 submission-to-signature per service: an `<svg>` element
    /// (escaped here), empty when no service has a signed document in the window.
    pub chart: String,
}

impl DashboardPage {
    /// The page for `d` in `p`'s language.
    pub fn new(p: Page, d: Dashboard) -> DashboardPage {
        let lang = p.lang;
        let services = d
            .services
            .iter()
            .map(|s| ServiceLine {
                service: s.service.clone(),
                signed: Cells::of(s.to_signed, lang),
                closed: Cells::of(s.to_closed, lang),
            })
            .collect();
        let steps = d
            .steps
            .iter()
            .map(|s| StepLine {
                service: s.service.clone(),
                step: s.step.clone(),
                time: Cells::of(s.time, lang),
            })
            .collect();
        let bars: Vec<(String, Summary)> = d
            .services
            .iter()
            .filter_map(|s| Some((s.service.clone(), s.to_signed?)))
            .collect();
        let chart = bar_chart("chart-services", &bars, lang);
        DashboardPage {
            p,
            d,
            services,
            steps,
            chart,
        }
    }

    /// `90 hari terakhir` / `last 90 days`.
    pub fn last_days(&self, days: &u32) -> String {
        self.p.t("dash_last_days").replace("{n}", &days.to_string())
    }

    /// Whether `days` is the window shown.
    pub fn is_window(&self, days: &u32) -> bool {
        *days == self.d.window_days
    }

    /// The window's first and last moments, in WIB.
    pub fn window_text(&self) -> String {
        let (start, end) = self.d.window;
        format!("{} – {}", self.p.time(start), self.p.time(end))
    }

    /// A state's label, from its translation-key stem (`in_review`).
    pub fn state_name(&self, key: &str) -> &'static str {
        self.p.lang.lookup(&format!("state_{key}")).unwrap_or("?")
    }

    /// The window choices, with the current one among them.
    pub fn choices(&self) -> Vec<u32> {
        let mut all = WINDOW_CHOICES.to_vec();
        if !all.contains(&self.d.window_days) {
            all.push(self.d.window_days);
            all.sort_unstable();
        }
        all
    }
}

/// A duration in words, to the day and hour or the hour and minute (smaller units dropped):
/// `2 hari 3 jam` / `2 d 3 h`, `5 jam 20 menit` / `5 h 20 min`, `< 1 menit` / `< 1 min`.
/// Negative durations count as 0.
pub fn human_duration(seconds: i64, lang: Lang) -> String {
    let s = seconds.max(0);
    let (days, hours, minutes) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    let [day, hour, minute] = ["unit_day", "unit_hour", "unit_minute"].map(|k| lang.t(k));
    match (days, hours, minutes) {
        (0, 0, 0) => lang.t("unit_under_minute").to_owned(),
        (0, 0, m) => format!("{m} {minute}"),
        (0, h, 0) => format!("{h} {hour}"),
        (0, h, m) => format!("{h} {hour} {m} {minute}"),
        (d, 0, _) => format!("{d} {day}"),
        (d, h, _) => format!("{d} {day} {h} {hour}"),
    }
}

impl DocumentRow {
    /// The queue's overdue badge: `Terlambat 3 hari kerja` / `3 working days late`; empty
    /// when the document is on time or its step has no deadline.
    pub fn late_label(&self, lang: &Lang) -> String {
        match self.days_late {
            0 => String::new(),
            1 => lang.t("late_one_day").to_owned(),
            n => lang.t("late_days").replace("{n}", &n.to_string()),
        }
    }

    /// When the document's step is due, Unix seconds; 0 when it has no deadline (see
    /// [`DocumentRow::due_at`]).
    pub fn due_time(&self) -> i64 {
        self.due_at.unwrap_or_default()
    }
}

const CHART_WIDTH: i64 = 640;
const LABEL_RIGHT: i64 = 190;
const BAR_LEFT: i64 = 200;
const BAR_SPAN: i64 = 320;
const BAR_HEIGHT: i64 = 12;
const ROW_HEIGHT: i64 = 36;
const TOP: i64 = 28;
const MEDIAN_FILL: &str = "#0b5d3b";
const P90_FILL: &str = "#8fbfa8";

/// A horizontal bar chart as an inline `<svg>`: per row, a bar for the median and one for the
/// 90th percentile, scaled to the largest value, each labelled with its duration in words.
/// Accessible: `role="img"`, a `<title>` and a `<desc>`, and a `<title>` per bar; the page's
/// table carries the same figures. Every text is XML-escaped. Empty for no rows.
pub fn bar_chart(id: &str, rows: &[(String, Summary)], lang: Lang) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let largest = rows.iter().map(|(_, s)| s.p90.max(s.median)).max();
    let largest = largest.unwrap_or(1).max(1);
    let rows_len = i64::try_from(rows.len()).unwrap_or(i64::MAX / ROW_HEIGHT);
    let height = TOP + rows_len * ROW_HEIGHT + 8;
    let (title, desc) = (lang.t("dash_chart_title"), lang.t("dash_chart_desc"));
    let (median_word, p90_word) = (lang.t("dash_median"), lang.t("dash_p90"));
    let id = escape(id);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {CHART_WIDTH} {height}\" \
         width=\"100%\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         font-family=\"system-ui,sans-serif\" font-size=\"12\" id=\"{id}\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>\
         <rect x=\"{BAR_LEFT}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{MEDIAN_FILL}\"/>\
         <text x=\"{}\" y=\"16\">{}</text>\
         <rect x=\"{}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{P90_FILL}\"/>\
         <text x=\"{}\" y=\"16\">{}</text>",
        escape(title),
        escape(desc),
        BAR_LEFT + 16,
        escape(median_word),
        BAR_LEFT + 110,
        BAR_LEFT + 126,
        escape(p90_word),
    );
    for (row, (label, s)) in (0i64..).zip(rows) {
        let y = TOP + row * ROW_HEIGHT;
        let _ = write!(
            svg,
            "<text x=\"{LABEL_RIGHT}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            y + BAR_HEIGHT + 4,
            escape(&shorten(label, 28))
        );
        for (offset, value, fill, word) in [
            (0, s.median, MEDIAN_FILL, median_word),
            (BAR_HEIGHT + 2, s.p90, P90_FILL, p90_word),
        ] {
            let width = scaled(value, largest);
            let words = human_duration(value, lang);
            let _ = write!(
                svg,
                "<rect x=\"{BAR_LEFT}\" y=\"{}\" width=\"{width}\" height=\"{BAR_HEIGHT}\" \
                 fill=\"{fill}\"><title>{}: {} {}</title></rect>\
                 <text x=\"{}\" y=\"{}\">{}</text>",
                y + offset,
                escape(label),
                escape(word),
                escape(&words),
                BAR_LEFT + width + 4,
                y + offset + BAR_HEIGHT - 2,
                escape(&words),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// `value`'s bar width out of [`BAR_SPAN`] for the largest value `largest` (> 0); at least 1
/// for a positive value.
fn scaled(value: i64, largest: i64) -> i64 {
    let width = i128::from(value.max(0)) * i128::from(BAR_SPAN) / i128::from(largest);
    let width = i64::try_from(width).unwrap_or(BAR_SPAN).min(BAR_SPAN);
    if value > 0 { width.max(1) } else { 0 }
}

/// `text` cut to `max` characters, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// XML-escapes text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case(0, "< 1 menit", "< 1 min")]
    #[case(59, "< 1 menit", "< 1 min")]
    #[case(-5, "< 1 menit", "< 1 min")]
    #[case(60, "1 menit", "1 min")]
    #[case(3_600, "1 jam", "1 h")]
    #[case(5 * 3_600 + 20 * 60 + 59, "5 jam 20 menit", "5 h 20 min")]
    #[case(86_400, "1 hari", "1 d")]
    #[case(86_400 + 59 * 60, "1 hari", "1 d")]
    #[case(2 * 86_400 + 3 * 3_600 + 1_800, "2 hari 3 jam", "2 d 3 h")]
    fn durations_in_words(#[case] seconds: i64, #[case] id: &str, #[case] en: &str) {
        assert_eq!(human_duration(seconds, Lang::Id), id);
        assert_eq!(human_duration(seconds, Lang::En), en);
    }

    fn summary(median: i64, p90: i64) -> Summary {
        Summary {
            count: 3,
            median,
            p90,
        }
    }

    #[test]
    fn chart_scales_bars_labels_them_and_escapes_names() {
        let rows = vec![
            ("Izin <Usaha> & \"Toko\"".to_owned(), summary(3_600, 7_200)),
            ("SPPD".to_owned(), summary(1_800, 3_600)),
        ];
        let svg = bar_chart("c", &rows, Lang::Id);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"c-title\">Median dan persentil ke-90"));
        assert!(svg.contains("Izin &lt;Usaha&gt; &amp; &quot;Toko&quot;"));
        assert!(!svg.contains("<Usaha>"));
        // The largest p90 spans the whole width, the others in proportion.
        assert!(svg.contains(&format!("width=\"{BAR_SPAN}\"")));
        assert!(svg.contains(&format!("width=\"{}\"", BAR_SPAN / 2)));
        assert!(svg.contains(&format!("width=\"{}\"", BAR_SPAN / 4)));
        assert!(svg.contains(">2 jam</text>") && svg.contains(">30 menit</text>"));
        assert_eq!(bar_chart("c", &[], Lang::Id), "");
    }

    /// The queue shows a late document's badge and due time in the status cell.
    #[test]
    fn queue_rows_show_the_late_badge_and_the_due_time() {
        use sahih_store::{Document, ServiceId};
        use sahih_workflow::{AgencyId, DocumentId, DocumentState, UserId};

        let row = |days_late, due_at| DocumentRow {
            document: Document {
                id: DocumentId(1),
                public_id: "0123456789abcdef".into(),
                service_id: ServiceId(1),
                agency_id: AgencyId(1),
                applicant_id: UserId(1),
                state: DocumentState::Submitted,
                form: Vec::new(),
                version: 1,
                signed_sha256: None,
                verification_code: None,
                created_at: 0,
                updated_at: 0,
            },
            service_name: "Surat Keterangan Usaha".into(),
            service_name_en: "Business Certificate".into(),
            applicant_name: "Siti".into(),
            step: None,
            signable: false,
            round: 0,
            due_at,
            days_late,
        };
        // Due at the end of Monday 30 November 2026 (WIB).
        let due = Some(1796057999);
        let page = |lang, rows| super::super::QueuePage {
            p: Page {
                lang,
                user: None,
                csrf: String::new(),
                unread: 0,
            },
            rows,
        };
        let html = page(Lang::Id, vec![row(3, due), row(0, None)])
            .render()
            .expect("render");
        assert!(html.contains("Terlambat 3 hari kerja"), "{html}");
        assert!(html.contains("Batas waktu: 2026-11-30 23:59 WIB"), "{html}");
        assert_eq!(html.matches("badge late").count(), 1, "only the late row");
        let html = page(Lang::En, vec![row(1, due)]).render().expect("render");
        assert!(html.contains("1 working day late") && html.contains("Due: 2026-11-30"));
    }

    #[test]
    fn zero_durations_draw_no_bar() {
        assert_eq!(scaled(0, 10), 0);
        assert_eq!(scaled(1, 1_000_000), 1);
        assert_eq!(scaled(i64::MAX, i64::MAX), BAR_SPAN);
        let svg = bar_chart("z", &[("X".to_owned(), summary(0, 0))], Lang::En);
        assert!(svg.contains("width=\"0\"") && svg.contains("&lt; 1 min"));
    }
}
