use ab_glyph::GlyphId;
use chrono::{TimeZone, Utc};
use chrono_tz::UTC;
use tiny_skia::{Color, Pixmap};

use super::render::{self, HEIGHT, LABEL_RIGHT, PLOT_TOP, WIDTH};
use super::text::{self, Align, FALLBACK, Rgb};
use super::{ChartPlan, render_png};

fn bars(labels: &[&str]) -> ChartPlan {
    let bars = labels.iter().enumerate().map(|(i, l)| (l.to_string(), (labels.len() - i) as f64)).collect();
    ChartPlan::TopN { value_label: "events".into(), bars }
}

fn series() -> ChartPlan {
    let points =
        (0..24).map(|h| (Utc.with_ymd_and_hms(2026, 11, 29, h, 0, 0).unwrap(), f64::from(h * h % 17))).collect();
    ChartPlan::TimeSeries { value_label: "events".into(), points }
}

fn luma(pixmap: &Pixmap, x: u32, y: u32) -> f64 {
    let p = pixmap.pixel(x, y).unwrap();
    0.299 * f64::from(p.red()) + 0.587 * f64::from(p.green()) + 0.114 * f64::from(p.blue())
}

fn variance(pixmap: &Pixmap) -> f64 {
    let values: Vec<f64> = (0..pixmap.height())
        .flat_map(|y| (0..pixmap.width()).map(move |x| (x, y)))
        .map(|(x, y)| luma(pixmap, x, y))
        .collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64
}

/// Pixels that differ between two same-sized pixmaps, as (x, y).
fn differing(a: &Pixmap, b: &Pixmap) -> Vec<(u32, u32)> {
    (0..a.height())
        .flat_map(|y| (0..a.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| a.pixel(x, y) != b.pixel(x, y))
        .collect()
}

/// Renders `text` alone, black on white, into a small canvas.
fn ink(label: &str) -> Pixmap {
    let mut p = Pixmap::new(400, 80).unwrap();
    p.fill(Color::WHITE);
    text::draw(&mut p, label, 10.0, 56.0, 48.0, Align::Left, Rgb(0, 0, 0));
    p
}

fn dark_pixels(p: &Pixmap) -> usize {
    p.pixels().iter().filter(|px| px.red() < 128).count()
}

#[test]
fn both_kinds_decode_as_phone_sized_pictures_with_content() {
    for plan in [bars(&["alice", "bob", "운영계정"]), series()] {
        let png = render_png(&plan, "최근 24시간 동안 시간별 이벤트 수", UTC).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoded = Pixmap::decode_png(&png).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (WIDTH, HEIGHT), "about 16:9, readable on a phone");
        assert!(variance(&decoded) > 100.0, "a chart is more than a blank page: {}", variance(&decoded));
    }
}

#[test]
fn many_bars_make_a_taller_picture_instead_of_tiny_labels() {
    let labels: Vec<String> = (0..25).map(|i| format!("account-{i}")).collect();
    let plan = bars(&labels.iter().map(String::as_str).collect::<Vec<_>>());
    let decoded = Pixmap::decode_png(&render_png(&plan, "t", UTC).unwrap()).unwrap();
    assert_eq!(decoded.width(), WIDTH);
    assert!(decoded.height() as f32 >= PLOT_TOP + 25.0 * render::MIN_ROW, "{}", decoded.height());
    assert_eq!(render::height(&bars(&["a", "b"])), HEIGHT);
}

#[test]
fn a_bar_label_is_drawn_in_the_label_column() {
    let with = render::render(&bars(&["alice", "bob"]), "t", UTC);
    let without = render::render(&bars(&["", "bob"]), "t", UTC);
    let diff = differing(&with, &without);
    assert!(diff.len() > 200, "the label changes the picture ({} pixels)", diff.len());
    assert!(
        diff.iter().all(|&(x, y)| (x as f32) <= LABEL_RIGHT && (y as f32) >= PLOT_TOP),
        "only the label column changes"
    );
}

#[test]
fn the_title_and_time_labels_are_drawn() {
    let with = render::render(&series(), "hourly events", UTC);
    let without = render::render(&series(), "", UTC);
    let diff = differing(&with, &without);
    assert!(
        !diff.is_empty() && diff.iter().all(|&(_, y)| (y as f32) < PLOT_TOP - 40.0),
        "the title sits above the plot"
    );
    // Midnight-free hours of one day are labelled HH:MM under the plot.
    let ChartPlan::TimeSeries { value_label, mut points } = series() else { unreachable!() };
    points.iter_mut().for_each(|p| p.0 += chrono::Duration::days(1));
    let next_day = render::render(&ChartPlan::TimeSeries { value_label, points }, "hourly events", UTC);
    assert!(differing(&with, &next_day).is_empty(), "the date is not shown for a single day's hours");
}

#[test]
fn a_time_axis_is_labelled_on_the_askers_clock() {
    // The same UTC hours in Seoul run from 09:00 one day to 08:00 the next: other labels, the zone named.
    let utc = render::render(&series(), "hourly events", UTC);
    let seoul = render::render(&series(), "hourly events", chrono_tz::Asia::Seoul);
    let diff = differing(&utc, &seoul);
    let below_plot = |y: u32| y as f32 > (HEIGHT as f32 - 80.0);
    assert!(diff.iter().any(|&(_, y)| below_plot(y)), "the time labels change");
    assert!(diff.iter().any(|&(_, y)| (y as f32) < PLOT_TOP && y > 70), "the axis name names the zone");
    // The hours 00:00–23:00 KST (nine hours earlier in UTC) are one local day: labelled like a UTC day in UTC.
    let ChartPlan::TimeSeries { value_label, mut points } = series() else { unreachable!() };
    points.iter_mut().for_each(|p| p.0 -= chrono::Duration::hours(9));
    let seoul_day =
        render::render(&ChartPlan::TimeSeries { value_label, points }, "hourly events", chrono_tz::Asia::Seoul);
    let changed_labels = |p: &Pixmap| {
        (0..p.width())
            .flat_map(|x| (HEIGHT - 70..HEIGHT).map(move |y| (x, y)))
            .filter(|&(x, y)| p.pixel(x, y) != utc.pixel(x, y))
            .count()
    };
    assert_eq!(changed_labels(&seoul_day), 0, "a local day's hours get the same HH:MM labels as a UTC day's in UTC");
}

#[test]
fn the_font_has_every_hangul_syllable() {
    let missing: Vec<char> = ('\u{AC00}'..='\u{D7A3}').filter(|c| !text::has_glyph(*c)).collect();
    assert!(missing.is_empty(), "{} syllables missing, e.g. {:?}", missing.len(), missing.first());
}

#[test]
fn hangul_is_drawn_as_real_glyphs_not_tofu() {
    let mut notdef = Pixmap::new(400, 80).unwrap();
    notdef.fill(Color::WHITE);
    text::draw_glyph(&mut notdef, GlyphId(0), 10.0, 56.0, 48.0, Rgb(0, 0, 0));
    let fallback = ink(&FALLBACK.to_string());
    for syllable in ['운', '영', '계', '정', '보', '안', '똠', '햏'] {
        let drawn = ink(&syllable.to_string());
        assert!(dark_pixels(&drawn) > 100, "{syllable} has ink");
        assert!(!differing(&drawn, &notdef).is_empty(), "{syllable} is not .notdef");
        assert!(!differing(&drawn, &fallback).is_empty(), "{syllable} is not the fallback box");
    }
    assert_ne!(differing(&ink("운영"), &ink("영운")).len(), 0, "different syllables, different pictures");
}

#[test]
fn characters_the_font_lacks_show_a_visible_box() {
    assert!(!text::has_glyph('漢'));
    assert_eq!(text::clean("漢字 a"), format!("{FALLBACK}{FALLBACK} a"));
    assert!(dark_pixels(&ink(&text::clean("漢"))) > 50, "the fallback is visible");
}

#[test]
fn hostile_labels_are_cleaned_and_cut_to_fit() {
    assert_eq!(text::clean("a\nb\u{1b}[31mc"), "a b [31mc");
    let long = "x".repeat(10_000);
    let cut = text::fit(&long, 24.0, 300.0);
    assert!(cut.ends_with('…') && text::width(&cut, 24.0) <= 300.0, "{cut}");
    assert!(cut.chars().count() < text::MAX_LABEL_CHARS);
    assert_eq!(text::fit("short", 24.0, 300.0), "short");
    // A huge label still only draws inside its column.
    let with = render::render(&bars(&[&"가".repeat(5_000), "b"]), "t", UTC);
    let without = render::render(&bars(&["", "b"]), "t", UTC);
    assert!(differing(&with, &without).iter().all(|&(x, _)| (x as f32) <= LABEL_RIGHT));
}

#[test]
fn numbers_are_grouped_and_trimmed() {
    assert_eq!(render::format_number(1_234_567.0), "1,234,567");
    assert_eq!(render::format_number(0.0), "0");
    assert_eq!(render::format_number(2.5), "2.5");
    assert_eq!(render::format_number(-1000.0), "-1,000");
}
