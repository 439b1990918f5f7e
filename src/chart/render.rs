//! Draws a [`ChartPlan`] as a PNG sized for a phone screen: horizontal bars for a top-N, a line over time for a
//! time series, a title from the question and labelled axes, all text in the compiled-in font.

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Rect, Stroke, Transform};

use super::ChartPlan;
use super::text::{self, Align, Rgb};

/// Picture width in pixels.
pub const WIDTH: u32 = 1200;
/// Picture height in pixels (a top-N with many bars is taller, see [`height`]).
pub const HEIGHT: u32 = 700;
/// Bars are never thinner than this (in pixels per row), so their labels stay readable on a phone.
pub const MIN_ROW: f32 = 34.0;
/// Bar labels of a top-N are drawn between the left margin and this x.
pub const LABEL_RIGHT: f32 = 400.0;
/// The plotting area starts at this y (title and axis name above it).
pub const PLOT_TOP: f32 = 130.0;

const MARGIN: f32 = 40.0;
/// Space under the plotting area, for the value or time axis labels.
const BELOW_PLOT: f32 = 80.0;
const TITLE_SIZE: f32 = 36.0;
const AXIS_NAME_SIZE: f32 = 26.0;
const TICK_SIZE: f32 = 22.0;
const INK: Rgb = Rgb(33, 37, 41);
const MUTED: Rgb = Rgb(90, 96, 104);
const GRID: Rgb = Rgb(222, 226, 230);
const SERIES: Rgb = Rgb(31, 119, 180);

/// Why a chart could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The PNG encoder failed.
    #[error("could not encode the chart as PNG: {0}")]
    Encode(String),
}

/// Renders `plan` under the title `title` (the question), times on the `tz` clock, and encodes it as PNG.
pub fn render_png(plan: &ChartPlan, title: &str, tz: Tz) -> Result<Vec<u8>, ChartError> {
    render(plan, title, tz).encode_png().map_err(|e| ChartError::Encode(e.to_string()))
}

/// The picture's height for `plan`: [`HEIGHT`], or more for a top-N whose bars would be thinner than [`MIN_ROW`].
pub fn height(plan: &ChartPlan) -> u32 {
    match plan {
        ChartPlan::TopN { bars, .. } => HEIGHT.max((PLOT_TOP + MIN_ROW * bars.len() as f32 + BELOW_PLOT) as u32),
        ChartPlan::TimeSeries { .. } => HEIGHT,
    }
}

/// Renders `plan` under the title `title` into a [`WIDTH`]×[`height`] pixmap; a time axis is labelled on the `tz`
/// clock and the zone is named beside the value axis (as the answer's table names it in its header).
pub fn render(plan: &ChartPlan, title: &str, tz: Tz) -> Pixmap {
    let mut pixmap = Pixmap::new(WIDTH, height(plan)).expect("the chart size is not zero");
    pixmap.fill(Color::WHITE);
    let title = text::fit(title, TITLE_SIZE, WIDTH as f32 - 2.0 * MARGIN);
    text::draw(&mut pixmap, &title, MARGIN, 60.0, TITLE_SIZE, Align::Left, INK);
    match plan {
        ChartPlan::TopN { value_label, bars } => {
            axis_name(&mut pixmap, value_label, "");
            draw_bars(&mut pixmap, bars);
        }
        ChartPlan::TimeSeries { value_label, points } => {
            let zone = points.first().map(|(t, _)| format!(" · {}", crate::engines::display::zone_name(*t, tz)));
            axis_name(&mut pixmap, value_label, zone.as_deref().unwrap_or(""));
            draw_series(&mut pixmap, points, tz);
        }
    }
    pixmap
}

fn axis_name(pixmap: &mut Pixmap, value_label: &str, suffix: &str) {
    let name = text::fit(&format!("{}{suffix}", text::clean(value_label)), AXIS_NAME_SIZE, WIDTH as f32 / 2.0);
    text::draw(pixmap, &name, MARGIN, 105.0, AXIS_NAME_SIZE, Align::Left, MUTED);
}

/// Horizontal bars, one row each, label on the left and the value at the bar's end.
fn draw_bars(pixmap: &mut Pixmap, bars: &[(String, f64)]) {
    let plot_bottom = pixmap.height() as f32 - BELOW_PLOT;
    let (left, right) = (LABEL_RIGHT + 20.0, WIDTH as f32 - 160.0);
    let max = bars.iter().map(|b| b.1).fold(0.0, f64::max);
    let (step, top) = nice_scale(max);
    let x_of = |v: f64| left + ((v / top) as f32) * (right - left);
    let mut v = 0.0;
    while v <= top + step / 2.0 {
        let x = x_of(v);
        fill(pixmap, x - 1.0, PLOT_TOP, 2.0, plot_bottom - PLOT_TOP, GRID);
        text::draw(pixmap, &format_number(v), x, plot_bottom + 34.0, TICK_SIZE, Align::Center, MUTED);
        v += step;
    }
    let row = (plot_bottom - PLOT_TOP) / bars.len().max(1) as f32;
    let size = (row * 0.6).clamp(14.0, 28.0);
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = PLOT_TOP + row * i as f32;
        let thickness = row * 0.72;
        let baseline = y + row / 2.0 + size * 0.35;
        let label = text::fit(label, size, LABEL_RIGHT - MARGIN);
        text::draw(pixmap, &label, LABEL_RIGHT, baseline, size, Align::Right, INK);
        let end = x_of(*value);
        fill(pixmap, left, y + (row - thickness) / 2.0, (end - left).max(1.0), thickness, SERIES);
        text::draw(pixmap, &format_number(*value), end + 8.0, baseline, size, Align::Left, INK);
    }
}

/// A line over time with value gridlines on the left and a few time labels underneath.
fn draw_series(pixmap: &mut Pixmap, points: &[(DateTime<Utc>, f64)], tz: Tz) {
    let plot_bottom = pixmap.height() as f32 - BELOW_PLOT;
    let (left, right) = (MARGIN + 130.0, WIDTH as f32 - MARGIN - 20.0);
    let max = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let (step, top) = nice_scale(max);
    let y_of = |v: f64| plot_bottom - ((v / top) as f32) * (plot_bottom - PLOT_TOP);
    let mut v = 0.0;
    while v <= top + step / 2.0 {
        let y = y_of(v);
        fill(pixmap, left, y - 1.0, right - left, 2.0, GRID);
        text::draw(pixmap, &format_number(v), left - 12.0, y + 8.0, TICK_SIZE, Align::Right, MUTED);
        v += step;
    }
    let (t0, t1) = (points[0].0, points[points.len() - 1].0);
    let span = (t1 - t0).num_seconds().max(0) as f32;
    let x_of = |t: DateTime<Utc>| {
        if span > 0.0 { left + ((t - t0).num_seconds() as f32 / span) * (right - left) } else { (left + right) / 2.0 }
    };
    let mut path = PathBuilder::new();
    for (i, (t, v)) in points.iter().enumerate() {
        if i == 0 { path.move_to(x_of(*t), y_of(*v)) } else { path.line_to(x_of(*t), y_of(*v)) }
    }
    if let Some(line) = path.finish() {
        let stroke = Stroke { width: 4.0, ..Stroke::default() };
        pixmap.stroke_path(&line, &paint(SERIES), &stroke, Transform::identity(), None);
    }
    if points.len() <= 60 {
        for (t, v) in points {
            if let Some(dot) = PathBuilder::from_circle(x_of(*t), y_of(*v), 6.0) {
                pixmap.fill_path(&dot, &paint(SERIES), FillRule::Winding, Transform::identity(), None);
            }
        }
    }
    time_labels(pixmap, points, x_of, tz);
}

/// Up to six time labels (on the `tz` clock) under the plot, skipping any that would overlap the previous one.
fn time_labels(pixmap: &mut Pixmap, points: &[(DateTime<Utc>, f64)], x_of: impl Fn(DateTime<Utc>) -> f32, tz: Tz) {
    let plot_bottom = pixmap.height() as f32 - BELOW_PLOT;
    let local = |t: DateTime<Utc>| t.with_timezone(&tz);
    let all_midnight = points.iter().all(|(t, _)| local(*t).num_seconds_from_midnight() == 0);
    let one_day = local(points[0].0).date_naive() == local(points[points.len() - 1].0).date_naive();
    let format = match (all_midnight, one_day) {
        (true, _) => "%m-%d",
        (false, true) => "%H:%M",
        (false, false) => "%m-%d %H:%M",
    };
    let wanted = points.len().min(6);
    let mut last_right = f32::MIN;
    for k in 0..wanted {
        let idx = if wanted == 1 { 0 } else { k * (points.len() - 1) / (wanted - 1) };
        let label = local(points[idx].0).format(format).to_string();
        let x = x_of(points[idx].0);
        let w = text::width(&label, TICK_SIZE);
        if x - w / 2.0 > last_right + 12.0 {
            text::draw(pixmap, &label, x, plot_bottom + 36.0, TICK_SIZE, Align::Center, MUTED);
            last_right = x + w / 2.0;
        }
    }
}

/// A round step (1, 2 or 5 × 10^k) giving about five gridlines, and the axis top (a multiple of it ≥ `max`).
fn nice_scale(max: f64) -> (f64, f64) {
    let max = if max > 0.0 { max } else { 1.0 };
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    (step, (max / step).ceil() * step)
}

/// Whole numbers with thousands separators, others with up to two decimals.
pub fn format_number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v.abs() < 1e15 {
        let digits = (v.round() as i64).unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if v < 0.0 { format!("-{out}") } else { out }
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn paint(color: Rgb) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(color.0, color.1, color.2, 255);
    paint.anti_alias = true;
    paint
}

fn fill(pixmap: &mut Pixmap, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
        pixmap.fill_rect(rect, &paint(color), Transform::identity(), None);
    }
}
