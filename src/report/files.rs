//! The report's files: the analysis written as CSV, Parquet and JSON.
//!
//! `themes.csv`, `assignments.csv`/`.parquet`, `trends.csv`/`.parquet`,
//! `emerging.csv`, `momentum.csv`, `theme_terms_by_period.csv`,
//! `k_selection.csv`, `themes_history.csv`, `rejected.csv` (always, header
//! included), `run.json` and `index.html`.
//! Every file is written to a temporary name and renamed into place, so a
//! reader never sees half a file. CSV text fields that a spreadsheet would
//! run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) get a
//! leading `'`; the Parquet files keep the text unchanged. HTML text is
//! escaped.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::html;
use super::interactive::{DailyCounter, DailyCounts};

use polars::prelude::*;
use polars_io::prelude::{CsvWriter, ParquetWriter};
use polars_io::SerWriter;
use serde_json::json;

use crate::analysis::{Analysis, Trends};
use crate::error::{Error, Result};
use crate::events::Membership;
use crate::fsx::write_atomic;
use crate::ingest::Rejection;
use crate::look::csv_safe;
use crate::results::{self, Assigned, Results};
use crate::trend::TrendParams;

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> Error + '_ {
    move |e| Error::write(path, std::io::Error::other(e))
}

/// `term:weight;term:weight;…`
fn format_terms(terms: &[(String, f32)]) -> String {
    terms
        .iter()
        .map(|(t, w)| format!("{t}:{w:.4}"))
        .collect::<Vec<_>>()
        .join(";")
}

fn write_themes(path: &Path, analysis: &Analysis) -> Result<()> {
    write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let err = csv_err(path);
        csv.write_record([
            "theme_id",
            "label",
            "size",
            "share",
            "top_terms",
            "coherence",
            "cohesion",
            "representative_titles",
            "group_id",
            "group_label",
        ])
        .map_err(&err)?;
        let mut group_of = vec![None; analysis.themes.len()];
        for g in &analysis.groups {
            for &t in &g.themes {
                group_of[t] = Some(g);
            }
        }
        for (i, t) in analysis.themes.iter().enumerate() {
            csv.write_record([
                t.id.to_string().as_str(),
                &csv_safe(&t.label),
                &t.size.to_string(),
                &format!("{:.6}", t.share),
                &csv_safe(&format_terms(&t.top_terms)),
                &format!("{:.4}", t.coherence),
                &format!("{:.4}", t.cohesion),
                &csv_safe(
                    &t.representatives
                        .iter()
                        .map(|p| p.title.as_str())
                        .collect::<Vec<_>>()
                        .join(" | "),
                ),
                &group_of[i]
                    .and_then(|g| g.id)
                    .map_or(String::new(), |id| id.to_string()),
                &csv_safe(group_of[i].map_or("", |g| g.label.as_str())),
            ])
            .map_err(&err)?;
        }
        csv.flush().map_err(|e| Error::write(path, e))
    })
}

/// `rejected.csv`: the paths the walk could not read, then each month's
/// rejections as `each` hands them over (the pass that writes the
/// assignments).
fn write_rejected(
    path: &Path,
    problems: &[Rejection],
    each: impl FnOnce(&mut dyn FnMut(&Assigned) -> Result<()>) -> Result<()>,
) -> Result<()> {
    write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let err = csv_err(path);
        csv.write_record(["path", "reason"]).map_err(&err)?;
        let mut put = |r: &Rejection| {
            let reason = r.reason.to_string();
            csv.write_record([csv_safe(&r.path).as_ref(), csv_safe(&reason).as_ref()])
                .map_err(&err)
        };
        for r in problems {
            put(r)?;
        }
        each(&mut |a| a.rejected.iter().try_for_each(&mut put))?;
        csv.flush().map_err(|e| Error::write(path, e))
    })
}

fn write_k_selection(path: &Path, analysis: &Analysis, chosen: usize) -> Result<()> {
    write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let err = csv_err(path);
        csv.write_record([
            "k",
            "coherence",
            "diversity",
            "stability",
            "score",
            "inertia",
            "seconds",
            "chosen",
            "note",
        ])
        .map_err(&err)?;
        let note = crate::cluster::select::bottom_note(&analysis.k_selection, chosen);
        for s in &analysis.k_selection {
            let note = if s.k == chosen {
                note.clone().unwrap_or_default()
            } else {
                String::new()
            };
            csv.write_record([
                s.k.to_string(),
                format!("{:.6}", s.coherence),
                format!("{:.6}", s.diversity),
                format!("{:.6}", s.stability),
                format!("{:.6}", s.score),
                format!("{:.6}", s.inertia),
                format!("{:.3}", s.seconds),
                (s.k == chosen).to_string(),
                note,
            ])
            .map_err(&err)?;
        }
        csv.flush().map_err(|e| Error::write(path, e))
    })
}

/// The fixed columns of `assignments.csv`; a carried table column of the
/// same name is written `input_NAME`.
const ASSIGNMENT_COLUMNS: [&str; 10] = [
    "doc_id", "path", "date", "title", "theme_id", "score", "credit", "event_id", "outlet", "time",
];

/// The assignments of one month as a table; `for_csv` applies
/// [`csv_safe`] to text. `ids[t]` is the id of theme index `t`, `events`
/// each row's event.
fn assignments_frame(
    a: &Assigned,
    ids: &[u32],
    columns: &[String],
    events: &[Option<u32>],
    for_csv: bool,
) -> Result<DataFrame> {
    let rows = &a.rows;
    let text = |f: &dyn for<'x> Fn(&'x results::Assignment) -> &'x str| -> Vec<String> {
        rows.iter()
            .map(|x| {
                let s = f(x);
                if for_csv {
                    csv_safe(s).into_owned()
                } else {
                    s.to_string()
                }
            })
            .collect()
    };
    let mut cols = vec![
        Column::new(
            "doc_id".into(),
            rows.iter().map(|x| x.doc.0).collect::<Vec<_>>(),
        ),
        Column::new("path".into(), text(&|x| x.path.as_str())),
        Column::new(
            "date".into(),
            rows.iter().map(|x| x.date.map(|d| d.0)).collect::<Vec<_>>(),
        )
        .cast(&DataType::Date)
        .map_err(|e| Error::polars("assignments date column", e))?,
        Column::new("title".into(), text(&|x| x.title.as_str())),
        Column::new(
            "theme_id".into(),
            rows.iter().map(|x| ids[x.theme.get()]).collect::<Vec<_>>(),
        ),
        Column::new(
            "score".into(),
            rows.iter().map(|x| x.score).collect::<Vec<_>>(),
        ),
        Column::new(
            "credit".into(),
            text(&|x| x.credit.as_deref().unwrap_or("")),
        ),
        Column::new("event_id".into(), events.to_vec()),
        Column::new(
            "outlet".into(),
            text(&|x| x.outlet.as_deref().unwrap_or("")),
        ),
        Column::new(
            "time".into(),
            rows.iter()
                .map(|x| x.minute.map(|m| format!("{:02}:{:02}", m / 60, m % 60)))
                .collect::<Vec<Option<String>>>(),
        ),
    ];
    for (j, name) in columns.iter().enumerate() {
        let name = if ASSIGNMENT_COLUMNS.contains(&name.as_str()) {
            format!("input_{name}")
        } else {
            name.clone()
        };
        cols.push(Column::new(
            name.into(),
            text(&|x| x.extra.get(j).map_or("", String::as_str)),
        ));
    }
    DataFrame::new(rows.len(), cols).map_err(|e| Error::polars("building assignments", e))
}

/// What else a pass over the results does with each month: its results
/// and each row's event.
type MonthSink<'a> = dyn FnMut(&Assigned, &[Option<u32>]) -> Result<()> + 'a;

/// `assignments.csv` and `.parquet`, written month by month: never the
/// whole table in memory. Each month's results are also handed to `also`,
/// with each row's event.
fn write_assignments(
    out: &Path,
    rows: &Results,
    ids: &[u32],
    columns: &[String],
    membership: &Membership,
    also: &mut MonthSink,
) -> Result<()> {
    let csv_path = out.join("assignments.csv");
    let pq_path = out.join("assignments.parquet");
    write_atomic(&csv_path, |csv_w| {
        write_atomic(&pq_path, |pq_w| {
            let fail = |path: &Path| {
                let shown = path.display().to_string();
                move |e| Error::polars(format!("writing {shown}"), e)
            };
            let empty = Assigned {
                rows: Vec::new(),
                rejected: Vec::new(),
                aggregates: Default::default(),
            };
            let schema = assignments_frame(&empty, ids, columns, &[], false)?
                .schema()
                .as_ref()
                .clone();
            let mut pq = ParquetWriter::new(pq_w)
                .batched(&schema)
                .map_err(fail(&pq_path))?;
            let mut header = true;
            rows.each(|a| {
                let events: Vec<Option<u32>> =
                    a.rows.iter().map(|r| membership.event_id(r)).collect();
                also(a, &events)?;
                if a.rows.is_empty() {
                    return Ok(());
                }
                let mut df = assignments_frame(a, ids, columns, &events, true)?;
                CsvWriter::new(&mut *csv_w)
                    .include_header(header)
                    .finish(&mut df)
                    .map_err(fail(&csv_path))?;
                header = false;
                pq.write_batch(&assignments_frame(a, ids, columns, &events, false)?)
                    .map_err(fail(&pq_path))
            })?;
            if header {
                let mut df = assignments_frame(&empty, ids, columns, &[], true)?;
                CsvWriter::new(&mut *csv_w)
                    .include_header(true)
                    .finish(&mut df)
                    .map_err(fail(&csv_path))?;
            }
            pq.finish().map(|_| ()).map_err(fail(&pq_path))
        })
    })
}

/// A copy of `df` whose text columns are made safe for spreadsheets
/// ([`csv_safe`]); the Parquet files keep the original.
fn defused(df: &DataFrame) -> Result<DataFrame> {
    let mut out = df.clone();
    let names: Vec<PlSmallStr> = df
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String)
        .map(|c| c.name().clone())
        .collect();
    for name in names {
        let safe: Vec<Option<String>> = df
            .column(&name)
            .and_then(|c| c.str().cloned())
            .map_err(|e| Error::polars("defusing CSV text", e))?
            .iter()
            .map(|v| v.map(|v| csv_safe(v).into_owned()))
            .collect();
        out.with_column(Column::new(name, safe))
            .map_err(|e| Error::polars("defusing CSV text", e))?;
    }
    Ok(out)
}

fn write_csv_frame(path: &Path, df: &mut DataFrame) -> Result<()> {
    write_atomic(path, |w| {
        CsvWriter::new(w)
            .include_header(true)
            .finish(df)
            .map_err(|e| Error::polars(format!("writing {}", path.display()), e))
    })
}

fn write_parquet_frame(path: &Path, df: &mut DataFrame) -> Result<()> {
    write_atomic(path, |w| {
        ParquetWriter::new(w)
            .finish(df)
            .map(|_| ())
            .map_err(|e| Error::polars(format!("writing {}", path.display()), e))
    })
}

/// `run.json`'s `events`: how events were found and what came of it.
fn events_json(analysis: &Analysis) -> serde_json::Value {
    let h = &analysis.happenings;
    let m = h.morning();
    json!({
        "unit": h.unit,
        "unit_rule": h.unit_rule,
        "posts_per_day": (h.posts_per_day * 10.0).round() / 10.0,
        "outlet_field": h.outlet_field,
        "candidates": h.candidates,
        "reported": h.events.len(),
        "parts": h.events.iter().filter(|e| e.parent.is_some()).count(),
        "single_word": h.single_word,
        "posts_in_events": h.posts_in_events,
        "roundups": h.roundups,
        "rising_terms": h.rising.len(),
        "latest_day": h.latest.map(|d| d.to_string()),
        "latest_day_partial": h.partial,
        "latest_complete_day": h.complete.map(|d| d.to_string()),
        "latest_complete_day_events": m.as_ref().map(|m| m.day_events.iter().map(|e| e.id).collect::<Vec<_>>()),
        "week_events": m.as_ref().map(|m| m.week_events.iter().map(|e| e.id).collect::<Vec<_>>()),
    })
}

fn write_run_json(path: &Path, cx: &Context, analysis: &Analysis) -> Result<()> {
    let c = &analysis.counts;
    let periods = analysis
        .trends
        .as_ref()
        .map_or(0, |t| t.matrix.periods.len());
    let bursts = analysis.trends.as_ref().map_or(0, |t| t.bursts.len());
    let mut seconds = serde_json::Map::new();
    for (stage, secs) in &analysis.timings.0 {
        seconds.insert(
            (*stage).to_string(),
            json!((secs * 1000.0).round() / 1000.0),
        );
    }
    seconds.insert(
        "total".into(),
        json!((cx.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0),
    );
    let doc = json!({
        "tool": "theme-trends",
        "version": env!("CARGO_PKG_VERSION"),
        "run_at": analysis.run_at,
        "parameters": cx.parameters,
        // The font the charts were drawn with: the --font file or
        // "embedded:…"; null when no chart was drawn.
        "chart_font": cx.chart_font,
        "model": analysis.model,
        "counts": {
            "posts": c.posts,
            "accepted": c.accepted,
            "rejected": c.rejected,
            "duplicates": c.duplicates,
            "ignored": c.ignored,
            "outside_window": c.outside_window,
            "off_axis": c.off_axis,
            "new_or_changed": c.new_or_changed,
            "assigned": c.assigned,
            "themes": analysis.themes.len(),
            "periods": periods,
            "bursts": bursts,
            "vocabulary": analysis.vocabulary,
            "features": analysis.features,
            "dims": analysis.dims,
            "themes_disappeared": analysis.disappeared.iter().map(|(id, label)| json!({"theme_id": id, "label": label})).collect::<Vec<_>>(),
            "warnings": c.warned,
            "tolerated": c.tolerated,
            "facet_values": analysis.trends.as_ref().map(|t| t.facets.iter().map(|f| (f.facet.clone(), json!(f.distinct))).collect::<serde_json::Map<_, _>>()),
        },
        // The stretch of time the trends show, and the analysed posts left
        // off it (dated over a year outside the 1st-99th percentile of the
        // archive's dates).
        "time_axis": analysis.axis.as_ref().map(|a| json!({
            "first_period": a.first_period.to_string(),
            "last_period": a.last_period.to_string(),
            "first_post": a.span.0.to_string(),
            "last_post": a.span.1.to_string(),
            "off_axis": a.off,
            "off_axis_dates": a.off_span.map(|(x, y)| [x.to_string(), y.to_string()]),
        })),
        "events": events_json(analysis),
        "seconds": seconds,
        "evaluation": analysis.label_scores,
    });
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, &doc)
            .map_err(|e| Error::write(path, std::io::Error::other(e)))?;
        w.write_all(b"\n").map_err(|e| Error::write(path, e))
    })
}

fn write_text(path: &Path, text: &str) -> Result<()> {
    write_atomic(path, |w| {
        w.write_all(text.as_bytes())
            .map_err(|e| Error::write(path, e))
    })
}

/// `index.html`; its interactive charts take the posts of each theme per
/// day (`daily`, counted in the pass that writes the assignments).
fn write_index(
    path: &Path,
    cx: &Context,
    analysis: &Analysis,
    daily: Option<DailyCounts>,
    charts: &[PathBuf],
) -> Result<()> {
    let page = html::render(cx.dir, cx.trend, cx.input, analysis, charts, daily.as_ref());
    write_atomic(path, |w| {
        w.write_all(page.as_bytes())
            .map_err(|e| Error::write(path, e))
    })
}

/// Writes a CSV file of string records through [`write_atomic`].
fn write_records(
    path: &Path,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<()> {
    write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let err = csv_err(path);
        csv.write_record(header).map_err(&err)?;
        for row in rows {
            // Numbers (a negative change, say) stay numbers; text is defused.
            let fields = row.iter().map(|f| match f.parse::<f64>() {
                Ok(_) => Cow::Borrowed(f.as_str()),
                Err(_) => csv_safe(f),
            });
            csv.write_record(fields.map(|f| f.into_owned()))
                .map_err(&err)?;
        }
        csv.flush().map_err(|e| Error::write(path, e))
    })
}

/// `themes_history.csv`: the previous run's rows (from the published
/// folder `previous_dir`) and one row per theme of this run.
fn write_history(path: &Path, previous_dir: &Path, analysis: &Analysis) -> Result<()> {
    const HEADER: [&str; 5] = ["run_at", "theme_id", "label", "size", "share"];
    let mut rows: Vec<Vec<String>> = Vec::new();
    // The history is never dropped: an unreadable one stops the run (the
    // previous reports stay published) with the file and the reason.
    let old = previous_dir.join("themes_history.csv");
    if old.exists() {
        let unreadable = |reason: String| Error::Kept {
            what: "theme history",
            path: old.clone(),
            reason: format!("{reason}; fix or move it away, it is not overwritten"),
        };
        let mut r = csv::Reader::from_path(&old).map_err(|e| unreadable(e.to_string()))?;
        let header = r.headers().map_err(|e| unreadable(e.to_string()))?;
        if !header.iter().eq(HEADER) {
            return Err(unreadable(format!(
                "its header is not {}",
                HEADER.join(",")
            )));
        }
        for rec in r.records() {
            let rec = rec.map_err(|e| unreadable(e.to_string()))?;
            rows.push(rec.iter().map(str::to_string).collect());
        }
    }
    let run_at = &analysis.run_at;
    rows.extend(analysis.themes.iter().map(|t| {
        vec![
            run_at.clone(),
            t.id.to_string(),
            t.label.clone(),
            t.size.to_string(),
            format!("{:.6}", t.share),
        ]
    }));
    write_records(path, &HEADER, rows)
}

fn write_emerging(path: &Path, analysis: &Analysis, trends: &Trends) -> Result<()> {
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    write_records(
        path,
        &[
            "theme_id",
            "label",
            "start",
            "end",
            "strength",
            "peak_period",
            "peak_share",
            "ongoing",
        ],
        trends.bursts.iter().map(|b| {
            vec![
                analysis.themes[b.theme.get()].id.to_string(),
                analysis.themes[b.theme.get()].label.clone(),
                day(b.start),
                day(b.end),
                format!("{:.3}", b.strength),
                day(b.peak),
                format!("{:.6}", b.peak_share),
                b.ongoing.to_string(),
            ]
        }),
    )
}

fn write_momentum(path: &Path, analysis: &Analysis, trends: &Trends) -> Result<()> {
    let rows = crate::trend::largest_gain_first(&trends.momentum);
    write_records(
        path,
        &[
            "theme_id",
            "label",
            "recent_share",
            "long_run_share",
            "change",
            "ratio",
        ],
        rows.into_iter().map(|m| {
            vec![
                analysis.themes[m.theme.get()].id.to_string(),
                analysis.themes[m.theme.get()].label.clone(),
                format!("{:.6}", m.recent_share),
                format!("{:.6}", m.long_run_share),
                format!("{:.6}", m.change),
                format!("{:.4}", m.ratio),
            ]
        }),
    )
}

fn write_period_terms(path: &Path, analysis: &Analysis, trends: &Trends) -> Result<()> {
    let day = |i: usize| trends.matrix.periods[i].format("%Y-%m-%d").to_string();
    write_records(
        path,
        &["theme_id", "label", "period", "posts", "top_terms"],
        trends.period_terms.iter().map(|p| {
            vec![
                analysis.themes[p.theme.get()].id.to_string(),
                analysis.themes[p.theme.get()].label.clone(),
                day(p.period),
                p.posts.to_string(),
                format_terms(&p.terms),
            ]
        }),
    )
}

/// `events.csv` and `events.parquet`: one row per event, earliest first.
fn write_events(out: &Path, analysis: &Analysis) -> Result<()> {
    let ev = &analysis.happenings.events;
    let day = crate::time::epoch_days;
    let theme_id = |e: &crate::analysis::Event| e.theme.map(|t| analysis.themes[t.get()].id);
    let titles = |e: &crate::analysis::Event| {
        e.representatives
            .iter()
            .map(|p| p.title.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let frame = |for_csv: bool| -> Result<DataFrame> {
        let text = |v: Vec<String>| -> Vec<String> {
            if for_csv {
                v.into_iter().map(|s| csv_safe(&s).into_owned()).collect()
            } else {
                v
            }
        };
        let cols = vec![
            Column::new(
                "event_id".into(),
                ev.iter().map(|e| e.id).collect::<Vec<_>>(),
            ),
            Column::new(
                "parent_event_id".into(),
                ev.iter().map(|e| e.parent).collect::<Vec<Option<u32>>>(),
            ),
            Column::new(
                "theme_id".into(),
                ev.iter().map(theme_id).collect::<Vec<Option<u32>>>(),
            ),
            Column::new(
                "label".into(),
                text(ev.iter().map(|e| e.label.clone()).collect()),
            ),
            Column::new(
                "start".into(),
                ev.iter().map(|e| day(e.start)).collect::<Vec<_>>(),
            ),
            Column::new(
                "end".into(),
                ev.iter().map(|e| day(e.end)).collect::<Vec<_>>(),
            ),
            Column::new(
                "peak_day".into(),
                ev.iter().map(|e| day(e.peak)).collect::<Vec<_>>(),
            ),
            Column::new(
                "peak_period".into(),
                ev.iter().map(|e| day(e.peak_period)).collect::<Vec<_>>(),
            ),
            Column::new(
                "broke_at".into(),
                ev.iter()
                    .map(|e| e.broke.map(|b| b.format("%Y-%m-%d %H:%M").to_string()))
                    .collect::<Vec<Option<String>>>(),
            ),
            Column::new(
                "hours".into(),
                ev.iter()
                    .map(|e| e.hours.map(|h| (h * 10.0).round() / 10.0))
                    .collect::<Vec<Option<f64>>>(),
            ),
            Column::new(
                "posts".into(),
                ev.iter().map(|e| e.posts).collect::<Vec<_>>(),
            ),
            Column::new(
                "outlets".into(),
                text(
                    ev.iter()
                        .map(|e| {
                            e.outlets
                                .iter()
                                .map(|(o, n)| format!("{o}:{n}"))
                                .collect::<Vec<_>>()
                                .join(";")
                        })
                        .collect(),
                ),
            ),
            Column::new(
                "score".into(),
                ev.iter()
                    .map(|e| (e.score * 10.0).round() / 10.0)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "top_terms".into(),
                text(ev.iter().map(|e| e.terms.join(";")).collect()),
            ),
            Column::new(
                "representative_titles".into(),
                text(ev.iter().map(titles).collect()),
            ),
        ];
        let mut df =
            DataFrame::new(ev.len(), cols).map_err(|e| Error::polars("building events", e))?;
        for name in ["start", "end", "peak_day", "peak_period"] {
            let dates = df
                .column(name)
                .and_then(|c| c.cast(&DataType::Date))
                .map_err(|e| Error::polars("events dates", e))?;
            df.with_column(dates)
                .map_err(|e| Error::polars("events dates", e))?;
        }
        Ok(df)
    };
    write_csv_frame(&out.join("events.csv"), &mut frame(true)?)?;
    write_parquet_frame(&out.join("events.parquet"), &mut frame(false)?)
}

/// `rising_terms.csv`: word bursts, newest first.
fn write_rising_terms(path: &Path, analysis: &Analysis) -> Result<()> {
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    write_records(
        path,
        &["term", "start", "end", "peak_day", "strength", "posts"],
        analysis.happenings.rising.iter().map(|r| {
            vec![
                r.term.clone(),
                day(r.start),
                day(r.end),
                day(r.peak),
                format!("{:.3}", r.strength),
                r.posts.to_string(),
            ]
        }),
    )
}

/// Where and with what the report files are written.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The folder written (the staging folder).
    pub dir: &'a Path,
    /// The output folder as published: the previous run's history is
    /// read there.
    pub published: &'a Path,
    /// The input, as the page's summary names it.
    pub input: &'a Path,
    /// `run.json`'s `parameters`: every parameter as its flag is named,
    /// and the job.
    pub parameters: &'a serde_json::Value,
    /// The trends' settings (the page's periods and recent window).
    pub trend: &'a TrendParams,
    /// The font the charts were drawn with, `None` without charts.
    pub chart_font: Option<&'a str>,
    /// When the run started.
    pub started: Instant,
}

/// Writes every report file into `cx.dir`; returns the files written.
pub fn write_all(
    cx: &Context,
    analysis: &Analysis,
    rows: &Results,
    membership: &Membership,
    charts: &[PathBuf],
) -> Result<Vec<PathBuf>> {
    let out = cx.dir;
    let file = |name: &str| out.join(name);
    let mut written = Vec::new();
    write_themes(&file("themes.csv"), analysis)?;
    written.push(file("themes.csv"));
    let ids: Vec<u32> = analysis.themes.iter().map(|t| t.id).collect();
    // One pass over the results writes the assignments and the rejections,
    // and collects the event pages' posts and the index's daily counts.
    let mut event_posts = html::EventPosts::new(analysis);
    let mut daily = match (&analysis.trends, &analysis.axis) {
        (Some(_), Some(axis)) => Some(DailyCounter::new(
            analysis.themes.len(),
            axis,
            cx.trend.get_granularity(),
        )),
        _ => None,
    };
    write_rejected(&file("rejected.csv"), rows.problems, |rejected| {
        write_assignments(
            out,
            rows,
            &ids,
            &analysis.columns,
            membership,
            &mut |a, events| {
                rejected(a)?;
                event_posts.add(a, events);
                if let Some(d) = daily.as_mut() {
                    d.add(a);
                }
                Ok(())
            },
        )
    })?;
    written.extend([file("assignments.csv"), file("assignments.parquet")]);
    write_events(out, analysis)?;
    write_rising_terms(&file("rising_terms.csv"), analysis)?;
    written.extend(["events.csv", "events.parquet", "rising_terms.csv"].map(file));
    written.extend(html::write_event_pages(out, analysis, event_posts)?);
    let list = out.join("events").join("index.html");
    write_text(&list, &super::morning::list_page(analysis, html::STYLE))?;
    written.push(list);
    write_text(&file("digest.md"), &super::morning::digest(analysis))?;
    written.push(file("digest.md"));
    if let Some(trends) = &analysis.trends {
        let mut t = trends.table.clone();
        write_csv_frame(&file("trends.csv"), &mut t)?;
        write_parquet_frame(&file("trends.parquet"), &mut t)?;
        write_emerging(&file("emerging.csv"), analysis, trends)?;
        write_momentum(&file("momentum.csv"), analysis, trends)?;
        write_period_terms(&file("theme_terms_by_period.csv"), analysis, trends)?;
        if let Some(table) = &trends.facet_table {
            let mut csv_table = defused(table)?;
            write_csv_frame(&file("trends_by_facet.csv"), &mut csv_table)?;
            write_parquet_frame(&file("trends_by_facet.parquet"), &mut table.clone())?;
            written.extend(["trends_by_facet.csv", "trends_by_facet.parquet"].map(file));
        }
        written.extend(
            [
                "trends.csv",
                "trends.parquet",
                "emerging.csv",
                "momentum.csv",
                "theme_terms_by_period.csv",
            ]
            .map(file),
        );
    }
    if !analysis.k_selection.is_empty() {
        write_k_selection(&file("k_selection.csv"), analysis, analysis.themes.len())?;
        written.push(file("k_selection.csv"));
    }
    write_history(&file("themes_history.csv"), cx.published, analysis)?;
    written.push(file("themes_history.csv"));
    written.push(file("rejected.csv"));
    write_run_json(&file("run.json"), cx, analysis)?;
    written.push(file("run.json"));
    write_index(
        &file("index.html"),
        cx,
        analysis,
        daily.map(DailyCounter::finish),
        charts,
    )?;
    written.push(file("index.html"));
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_tables_stay_numbers_and_text_is_defused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let rows = vec![vec![
            "-0.25".to_string(),
            "-cmd".to_string(),
            "1e-3".to_string(),
        ]];
        write_records(&path, &["change", "label", "x"], rows).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "change,label,x\n-0.25,'-cmd,1e-3\n");
    }
}
