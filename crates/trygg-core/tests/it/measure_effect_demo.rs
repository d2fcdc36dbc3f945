//! The effect follow-up of a demo measure against a count by hand: the Linköping demo
//! loaded into a fresh store, its confirmed measure "Ordningsvakter vid resecentrum"
//! (linked to a district and a place, with a control district), and the figures of
//! `measure_effect` recomputed from the store's raw incidents with plain loops: the
//! windows from the completion date, each incident's zone (inside the district, within
//! 300 m of its boundary, inside the control district), and Bowers & Johnson's (2003)
//! weighted displacement quotient written out again here.

use trygg_core::measures::EffectOutcome;
use trygg_core::{Caller, Clock, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::time::{Instant, STOCKHOLM};
use trygg_store::incident::{
    IncidentFilter, IncidentOrder, IncidentStore, NewIncident, Visibility,
};
use trygg_store::measure::{LinkTarget, MeasureFilter, MeasureStore, MeasureVisibility};
use trygg_store::{Store, on_both_backends};

/// 2026-09-21 14:13 UTC: the demo's "now"; its incidents lie before it.
const START: i64 = 1_790_000_000_000_000;
const DAY_US: i64 = 86_400 * 1_000_000;
/// The buffer ring's width that the follow-up documents (metres).
const BUFFER: f64 = 300.0;

/// A polygon ring as (lon, lat) corners.
type Ring = Vec<(f64, f64)>;

/// The rings of an area's geometry, as plain lists of corners (lon, lat).
fn rings(geometry: &str) -> Vec<Ring> {
    let v: serde_json::Value = serde_json::from_str(geometry).unwrap();
    let mp = trygg_domain::geo::import::parse_area_geometry(&v).unwrap();
    let mut out = Vec::new();
    for poly in &mp.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            out.push(ring.0.iter().map(|c| (c.x, c.y)).collect());
        }
    }
    out
}

/// Even-odd ray casting over every ring (holes included), in degrees: inside-ness does
/// not change under the flat lon/lat scaling to metres.
fn inside(rings: &[Ring], lat: f64, lon: f64) -> bool {
    let mut crossings = 0;
    for ring in rings {
        for i in 0..ring.len().saturating_sub(1) {
            let (x1, y1) = ring[i];
            let (x2, y2) = ring[i + 1];
            if (y1 > lat) != (y2 > lat) {
                let x = x1 + (lat - y1) / (y2 - y1) * (x2 - x1);
                if lon < x {
                    crossings += 1;
                }
            }
        }
    }
    crossings % 2 == 1
}

/// The shortest distance in metres from a point to the rings' edges, on a flat plane
/// around `(lat0, lon0)`.
fn metres_to_edge(rings: &[Ring], (lat0, lon0): (f64, f64), lat: f64, lon: f64) -> f64 {
    let m_lat = 111_132.954;
    let m_lon = m_lat * lat0.to_radians().cos();
    let xy = |lon: f64, lat: f64| ((lon - lon0) * m_lon, (lat - lat0) * m_lat);
    let (px, py) = xy(lon, lat);
    let mut best = f64::INFINITY;
    for ring in rings {
        for i in 0..ring.len().saturating_sub(1) {
            let (ax, ay) = xy(ring[i].0, ring[i].1);
            let (bx, by) = xy(ring[i + 1].0, ring[i + 1].1);
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (qx, qy) = (ax + t * dx, ay + t * dy);
            best = best.min(((px - qx).powi(2) + (py - qy).powi(2)).sqrt());
        }
    }
    best
}

/// Midnight in Stockholm of a date, as an instant.
fn midnight(d: jiff::civil::Date) -> Instant {
    let tz = jiff::tz::TimeZone::get(STOCKHOLM).unwrap();
    Instant::from_timestamp(d.to_zoned(tz).unwrap().timestamp())
}

/// Every incident of the store, page by page.
async fn all_incidents(trygg: &Trygg) -> Vec<trygg_store::incident::IncidentRow> {
    let mut out = Vec::new();
    let mut after_id = None;
    loop {
        let (rows, _) = trygg
            .db
            .incidents(
                &IncidentFilter {
                    after_id,
                    order: IncidentOrder::IdAscending,
                    limit: 1000,
                    ..Default::default()
                },
                Visibility {
                    all: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let Some(last) = rows.last() else { break };
        after_id = Some(last.id);
        out.extend(rows);
    }
    out
}

on_both_backends!(
    a_demo_measures_effect_agrees_with_a_hand_count_of_the_incidents,
    |db, _t| async move {
        let trygg = Trygg::new(
            db,
            Clock::manual(Instant::from_micros(START)),
            Settings::default(),
        );
        let logins = trygg.load_demo().await.unwrap();
        trygg.load_demo_reports().await.unwrap();
        let l = logins.iter().find(|l| l.role == Role::Samordnare).unwrap();
        let s = trygg
            .login(&l.email, &l.password, &RequestMeta::cli())
            .await
            .unwrap();
        let coord = Caller::User(Box::new(trygg.authenticate(&s.token).await.unwrap()));

        let measure = trygg
            .db
            .measures(&MeasureFilter {
                visibility: MeasureVisibility {
                    all: true,
                    ..Default::default()
                },
                today: "2026-09-21".into(),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.values.title == "Ordningsvakter vid resecentrum")
            .expect("the demo's confirmed measure");
        assert_eq!(measure.values.status, "confirmed");
        let completed = measure.values.completed_at.expect("a completion time");
        let target_id = trygg
            .db
            .measure_links(measure.id)
            .await
            .unwrap()
            .into_iter()
            .find_map(|l| match l {
                LinkTarget::Area(a) => Some(a),
                _ => None,
            })
            .expect("a linked district");
        let control_id = measure.values.control_area_id.expect("a control district");
        assert_ne!(target_id, control_id);
        let target_area = trygg.db.area(target_id).await.unwrap().unwrap();
        let control_area = trygg.db.area(control_id).await.unwrap().unwrap();
        let target = rings(&target_area.geometry);
        let control = rings(&control_area.geometry);
        // The flat plane's origin: the middle of the target's corners' bounding box.
        let (mut lat_lo, mut lat_hi, mut lon_lo, mut lon_hi) =
            (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(lon, lat) in target.iter().flatten() {
            (lat_lo, lat_hi) = (lat_lo.min(lat), lat_hi.max(lat));
            (lon_lo, lon_hi) = (lon_lo.min(lon), lon_hi.max(lon));
        }
        let origin = ((lat_lo + lat_hi) / 2.0, (lon_lo + lon_hi) / 2.0);

        // 100 days on. The demo's incidents end at its "now", so the after-period gets
        // last summer's last 100 days again, shifted 100 days on, with every second
        // one inside the target left out (the measure "worked").
        let shift = 100 * DAY_US;
        trygg.clock.advance_secs(100 * 86_400);
        let demo = all_incidents(&trygg).await;
        let mut keep = false;
        let mut again: Vec<NewIncident> = demo
            .iter()
            .filter(|r| r.occurred_from.micros() >= START - shift)
            .filter(|r| {
                let Some((lat, lon)) = r.position else {
                    return true;
                };
                if inside(&target, lat, lon) {
                    keep = !keep;
                    keep
                } else {
                    true
                }
            })
            .map(|r| NewIncident {
                category_id: r.category_id,
                organisation_id: r.organisation_id,
                reporter_user_id: None,
                description: "Test".into(),
                pii_found: "{}".into(),
                occurred_from: Instant::from_micros(r.occurred_from.micros() + shift),
                occurred_to: None,
                position: r.position,
                place_id: None,
                location_text: None,
                severity: r.severity,
                creates_insecurity: false,
                sharing: "partners",
                source: "import",
                external_id: None,
                status: "accepted",
                area_ids: Vec::new(),
            })
            .collect();
        assert!(again.len() > 50, "{} incidents to repeat", again.len());
        // The demo's incidents keep clear of the district's edges: a few 150 m north
        // of its northernmost corner, 3 before and 5 after, fall in the buffer ring.
        let &(north_lon, _) = target
            .iter()
            .flatten()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        let near = (lat_hi + 150.0 / 111_132.954, north_lon);
        for (k, at) in (0..3)
            .map(|k| START - 365 * DAY_US + (10 + k) * DAY_US)
            .chain((0..5).map(|k| START + (20 + k) * DAY_US))
            .enumerate()
        {
            let model = again[k].clone();
            again.push(NewIncident {
                occurred_from: Instant::from_micros(at),
                position: Some(near),
                ..model
            });
        }
        let audit = trygg_domain::audit::AuditDraft {
            at: trygg.clock.now(),
            actor_user_id: None,
            actor_org_id: None,
            action: "incidents_imported".into(),
            object_type: "incident".into(),
            object_id: None,
            request_id: None,
            detail: "{}".into(),
        };
        trygg
            .db
            .import_incidents(&again, trygg.clock.now(), audit, &|_| {})
            .await
            .unwrap();

        let EffectOutcome::Report(r) = trygg.measure_effect(&coord, measure.id).await.unwrap()
        else {
            panic!("a report")
        };

        // The windows by hand: the Stockholm date of completion, 100 days after it,
        // and the same dates a year earlier.
        let tz = jiff::tz::TimeZone::get(STOCKHOLM).unwrap();
        let done = completed.timestamp().to_zoned(tz).date();
        let after = (done, done.checked_add(jiff::Span::new().days(100)).unwrap());
        let b0 = done.checked_sub(jiff::Span::new().years(1)).unwrap();
        let before = (b0, b0.checked_add(jiff::Span::new().days(100)).unwrap());
        assert_eq!(r.after, after);
        assert_eq!(r.before, before);
        assert_eq!(r.target, target_area.info.name);
        assert_eq!(
            r.control_area.as_deref(),
            Some(control_area.info.name.as_str())
        );

        // The counts by hand: [target, buffer, control] × [before, after].
        let mut n = [[0u64; 2]; 3];
        let windows = [
            (midnight(before.0), midnight(before.1)),
            (midnight(after.0), midnight(after.1)),
        ];
        for i in all_incidents(&trygg).await {
            if i.status != "submitted" && i.status != "accepted" {
                continue;
            }
            let Some((lat, lon)) = i.position else {
                continue;
            };
            for (w, (from, to)) in windows.iter().enumerate() {
                if i.occurred_from < *from || i.occurred_from >= *to {
                    continue;
                }
                if inside(&target, lat, lon) {
                    n[0][w] += 1;
                } else if metres_to_edge(&target, origin, lat, lon) <= BUFFER {
                    n[1][w] += 1;
                } else if inside(&control, lat, lon) {
                    n[2][w] += 1;
                }
            }
        }
        let e = r.effect;
        assert_eq!(
            (e.counts.target.before, e.counts.target.after),
            (n[0][0], n[0][1])
        );
        assert_eq!(
            (e.counts.buffer.before, e.counts.buffer.after),
            (n[1][0], n[1][1])
        );
        assert_eq!(
            (e.counts.control.before, e.counts.control.after),
            (n[2][0], n[2][1])
        );
        // The hand count is not trivially zero: every zone has incidents both times.
        assert!(n.iter().flatten().all(|&k| k > 0), "hand counts {n:?}");

        // Bowers & Johnson: SM = Aa/Ca − Ab/Cb, BDM = Ba/Ca − Bb/Cb, WDQ = BDM / SM
        // (read only when SM < 0, the target improved relative to the control).
        let [a, b, c] = n.map(|[before, after]| (before as f64, after as f64));
        let sm = a.1 / c.1 - a.0 / c.0;
        let bdm = b.1 / c.1 - b.0 / c.0;
        assert!((e.success_measure.unwrap() - sm).abs() < 1e-12);
        assert!((e.buffer_measure.unwrap() - bdm).abs() < 1e-12);
        // With half the target's repeated incidents left out it improved: a WDQ exists.
        assert!(sm < 0.0, "SM {sm}");
        assert!((e.wdq.unwrap() - bdm / sm).abs() < 1e-12, "{e:?}");
        assert_eq!(e.small_numbers, a.0 + a.1 < 20.0);
    }
);
