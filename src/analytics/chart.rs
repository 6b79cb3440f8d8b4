//! Charts with plotters: the lines of `seg trend`, the grouped bars of `seg compare`. A path
//! ending in `.svg` gets an SVG file, anything else a PNG. Text is drawn with a TrueType font
//! read at run time: `SEG_FONT` names one, else `DejaVu` Sans where Debian puts it (package
//! `fonts-dejavu-core`).

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

/// Where a font is looked for when `SEG_FONT` names none.
const FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];

/// The chart size in pixels.
const SIZE: (u32, u32) = (1100, 620);

/// Registers the font once; the error says how to get one.
fn font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let named = std::env::var_os("SEG_FONT").map(std::path::PathBuf::from);
            let candidates: Vec<std::path::PathBuf> = named
                .into_iter()
                .chain(FONTS.iter().map(std::path::PathBuf::from))
                .collect();
            let Some((path, bytes)) = candidates
                .iter()
                .find_map(|p| std::fs::read(p).ok().map(|b| (p, b)))
            else {
                return Err("no font to draw the chart's text with: install Debian's \
                     fonts-dejavu-core, or name a .ttf file in SEG_FONT"
                    .into());
            };
            // Registered fonts live as long as the process.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
                .map_err(|_| format!("{}: not a TrueType font", path.display()))
        })
        .clone()
}

fn failed<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing the chart: {e:?}")
}

/// Whether a path asks for an SVG (else a PNG).
fn is_svg(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
}

/// Calls `draw(area, args...)` on a PNG, or on an SVG for a path ending in `.svg`, once the
/// font is registered.
macro_rules! on_file {
    ($path:expr, $draw:ident($($arg:expr),*)) => {{
        font()?;
        if is_svg($path) {
            $draw(&SVGBackend::new($path, SIZE).into_drawing_area(), $($arg),*)
        } else {
            $draw(&BitMapBackend::new($path, SIZE).into_drawing_area(), $($arg),*)
        }
    }};
}

/// One line per series: `(name, counts at each instant)`.
pub fn trend(
    path: &Path,
    title: &str,
    instants: &[i64],
    series: &[(String, Vec<usize>)],
) -> Result<(), String> {
    on_file!(path, draw_lines(title, instants, series))
}

fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    instants: &[i64],
    series: &[(String, Vec<usize>)],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(failed)?;
    let first = *instants.first().ok_or("no instants to draw")?;
    let last = (*instants.last().unwrap_or(&first)).max(first + 1);
    let top = series
        .iter()
        .flat_map(|(_, counts)| counts.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    // Room above the lines for the legend.
    let top = top + top * 2 / 5 + 1;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 26))
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(first..last, 0..top)
        .map_err(failed)?;
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|t| crate::time::format_date(*t))
        .y_desc("members")
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(failed)?;
    for (i, (name, counts)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                instants.iter().copied().zip(counts.iter().copied()),
                color.stroke_width(2),
            ))
            .map_err(failed)?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(failed)?;
    root.present().map_err(failed)
}

/// Grouped bars: for each category (`labels`), one bar per group (`groups`, each with a value
/// per category).
pub fn bars(
    path: &Path,
    title: &str,
    labels: &[String],
    groups: &[(String, Vec<f64>)],
) -> Result<(), String> {
    on_file!(path, draw_bars(title, labels, groups))
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    labels: &[String],
    groups: &[(String, Vec<f64>)],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(failed)?;
    let top = groups
        .iter()
        .flat_map(|(_, values)| values.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1.0)
        * 1.2;
    // Horizontal bars: each category takes one unit of height, the first at the top, its
    // bars one under another in the middle 80%.
    let height = labels.len().max(1);
    #[allow(clippy::cast_precision_loss)]
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 26))
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(170)
        .build_cartesian_2d(0.0..top, 0.0..height as f64)
        .map_err(failed)?;
    let names = labels.to_vec();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(height * 2 + 1)
        .y_label_formatter(&|y| {
            let i = y.floor();
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let from_top = height.saturating_sub(1 + i as usize);
            if (y - i - 0.5).abs() < 1e-9 {
                names.get(from_top).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(failed)?;
    #[allow(clippy::cast_precision_loss)]
    let bar = 0.8 / groups.len().max(1) as f64;
    for (g, (name, values)) in groups.iter().enumerate() {
        let color = Palette99::pick(g).to_rgba();
        chart
            .draw_series(values.iter().enumerate().map(|(c, &v)| {
                #[allow(clippy::cast_precision_loss)]
                let y = (height - 1 - c) as f64 + 0.9 - bar * (g + 1) as f64;
                Rectangle::new([(0.0, y), (v, y + bar * 0.9)], color.filled())
            }))
            .map_err(failed)?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(failed)?;
    root.present().map_err(failed)
}
