//! Snapshots of the editor drawn from what the real processor publishes while rendering
//! `assets/demo-noisy-speech.wav` (48 kHz stereo noisy speech), rendered by egui_kittest
//! through wgpu (Mesa's software Vulkan on a machine without a GPU).
//!
//! A missing or changed snapshot writes `tests/snapshots/NAME.new.png` and fails; look at
//! it, then accept it with `UPDATE_SNAPSHOTS=1 cargo test --test editor_snapshots`.

use egui::{vec2, Pos2};
use egui_kittest::{Harness, SnapshotOptions};

use spectral_mask::analysis;
use spectral_mask::editor::presets::Library;
use spectral_mask::editor::{self, Model, ParamEvent, SettingsAccess, SpectrogramMode, ViewState};
use spectral_mask::mask::curve::Curve;
use spectral_mask::processor::Processor;
use spectral_mask::settings::{Key, Mode, Reference, Settings};

const SIZE: (f32, f32) = (1000.0, 650.0);
const ASSET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-noisy-speech.wav");
/// Its clean original: the key of the sidechain snapshot (a close mic gating a noisy one).
const CLEAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-clean-speech.wav");
/// Where the snapshots stop the clip: during the last word ("... -14 dBFS at 7.1 s"), so
/// that the spectrum plot shows speech over the noise and the spectrogram the six seconds
/// before it.
const STOP_S: f32 = 7.15;

/// Everything a frame of the editor draws from.
struct Editor {
    view: ViewState,
    model: Model,
    params: SettingsAccess,
}

fn read_wav(path: &str) -> (Vec<Vec<f32>>, f32) {
    let mut reader = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let spec = reader.spec();
    let channels = spec.channels as usize;
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u32 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.expect("sample") as f32 * scale)
                .collect()
        }
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .map(|s| s.expect("sample"))
            .collect(),
    };
    let mut split = vec![Vec::with_capacity(samples.len() / channels); channels];
    for frame in samples.chunks_exact(channels) {
        for (channel, &sample) in split.iter_mut().zip(frame) {
            channel.push(sample);
        }
    }
    (split, spec.sample_rate as f32)
}

/// Runs the asset through the processor with `settings`, publishing as the plugin does,
/// and feeds the editor's model as a 512-sample host would between blocks.
fn analyse(settings: Settings) -> Model {
    analyse_with_curve(settings, Curve::default())
}

/// [`analyse`] with a threshold curve.
fn analyse_with_curve(settings: Settings, curve: Curve) -> Model {
    analyse_keyed(settings, curve, &[])
}

/// [`analyse`] with a threshold curve and a key (one `Vec` per channel; empty: none).
fn analyse_keyed(settings: Settings, curve: Curve, key: &[Vec<f32>]) -> Model {
    let (mut channels, sample_rate) = read_wav(ASSET);
    let (mut publisher, mut reader) = analysis::channel(analysis::DEFAULT_CAPACITY);
    reader.set_editor_open(true);
    let mut processor = Processor::new(channels.len(), sample_rate, settings);
    processor.masker_mut().set_curve(curve);
    let mut model = Model::new();
    let len = channels[0].len().min((STOP_S * sample_rate) as usize);
    let block = 512;
    let mut pos = 0;
    while pos < len {
        let end = (pos + block).min(len);
        let mut slices: Vec<&mut [f32]> = channels.iter_mut().map(|c| &mut c[pos..end]).collect();
        let key_slices: Vec<&[f32]> = key.iter().map(|c| &c[pos..end]).collect();
        processor.process_observed_with_key(&mut slices, &key_slices, |view| {
            publisher.publish(view, sample_rate)
        });
        pos = end;
        model.update(&mut reader, pos as f64 / sample_rate as f64);
    }
    assert_eq!(
        model.dropped_columns(),
        0,
        "the test reads after every block"
    );
    model
}

fn harness(editor: Editor) -> Harness<'static, Editor> {
    Harness::builder()
        .with_size(vec2(SIZE.0, SIZE.1))
        .with_theme(egui::Theme::Dark)
        .build_ui_state(
            |ui, editor: &mut Editor| {
                // The harness keeps a margin around the ui; paint it the editor's colour.
                let screen = ui.ctx().content_rect();
                ui.ctx()
                    .layer_painter(egui::LayerId::background())
                    .rect_filled(screen, 0.0, egui::Color32::from_rgb(0x10, 0x12, 0x16));
                editor::draw(ui, &mut editor.view, &editor.model, &mut editor.params);
            },
            editor,
        )
}

/// Software rendering differs a little between Mesa versions in how it anti-aliases text
/// and curves: allow a slightly larger colour distance per pixel than the default 0.6, and
/// a handful of pixels beyond it, but not enough to hide a moved label or curve.
fn options() -> SnapshotOptions {
    SnapshotOptions::new().threshold(2.0).max_failed_pixels(40)
}

fn snapshot(settings: Settings, mode: SpectrogramMode, name: &str) {
    let model = analyse(settings);
    assert!(
        model.columns_received() > 600,
        "{} columns",
        model.columns_received()
    );
    assert!(model.alias_db().is_some(), "the alias meter ran");
    let mut view = ViewState::with_presets(Library::with_user_dir(None));
    view.mode = mode;
    let mut harness = harness(Editor {
        view,
        model,
        params: SettingsAccess::new(settings),
    });
    harness.run();
    harness.snapshot_options(name, &options());
}

fn settings_with_threshold(threshold_db: f32) -> Settings {
    Settings {
        threshold_db,
        ..Settings::default()
    }
}

#[test]
fn editor_default_threshold() {
    snapshot(
        settings_with_threshold(6.0),
        SpectrogramMode::Input,
        "editor_threshold_6db",
    );
}

#[test]
fn editor_high_threshold() {
    snapshot(
        settings_with_threshold(18.0),
        SpectrogramMode::Input,
        "editor_threshold_18db",
    );
}

#[test]
fn editor_mask_view() {
    snapshot(
        settings_with_threshold(12.0),
        SpectrogramMode::Mask,
        "editor_mask_view",
    );
}

#[test]
fn dragging_the_spectrum_moves_the_threshold_in_one_gesture() {
    let settings = Settings::default();
    let mut harness = harness(Editor {
        view: ViewState::with_presets(Library::with_user_dir(None)),
        model: analyse(settings),
        params: SettingsAccess::new(settings),
    });
    harness.run();
    // Inside the spectrum plot (below the spectrogram, left of the controls).
    let start = Pos2::new(360.0, 540.0);
    let end = Pos2::new(362.0, 500.0);
    harness.hover_at(start);
    harness.drag_at(start);
    harness.hover_at(Pos2::new(360.0, 530.0));
    harness.hover_at(end);
    harness.drop_at(end);
    harness.run();
    let editor = harness.state();
    let events = &editor.params.events;
    assert_eq!(
        events.first(),
        Some(&ParamEvent::Begin("threshold".into())),
        "{events:?}"
    );
    assert_eq!(
        events.last(),
        Some(&ParamEvent::End("threshold".into())),
        "{events:?}"
    );
    assert!(events[1..events.len() - 1]
        .iter()
        .all(|event| matches!(event, ParamEvent::Set(id, _) if id == "threshold")));
    // 40 points up over a plot of about 220 points for 120 dB: about +20 dB.
    let threshold = editor.params.settings.threshold_db;
    assert!(
        threshold > settings.threshold_db + 10.0,
        "threshold {threshold} dB after dragging up"
    );
}

#[test]
fn a_curve_node_is_drawn_on_the_threshold_line_and_drags_in_frequency_and_level() {
    // dBFS reference: the line is the threshold plus the curve, -40 dBFS above 4 kHz.
    let settings = Settings {
        reference: Reference::Absolute,
        threshold_db: -60.0,
        ..Settings::default()
    };
    let curve = Curve::from_pairs(&[(1000.0, 0.0), (4000.0, 20.0)]);
    let mut params = SettingsAccess::new(settings);
    params.curve = curve;
    let mut harness = harness(Editor {
        view: ViewState::with_presets(Library::with_user_dir(None)),
        model: analyse_with_curve(settings, curve),
        params,
    });
    harness.run();
    harness.snapshot_options("editor_curve_nodes", &options());

    // The 4 kHz node, 30 points up and 10 right.
    let start = Pos2::new(NODE_4K.0, NODE_4K.1);
    let end = Pos2::new(NODE_4K.0 + 10.0, NODE_4K.1 - 30.0);
    harness.hover_at(start);
    harness.drag_at(start);
    harness.hover_at(Pos2::new(NODE_4K.0 + 5.0, NODE_4K.1 - 15.0));
    harness.hover_at(end);
    harness.drop_at(end);
    harness.run();
    let editor = harness.state();
    // A node drag is no host gesture, and leaves the threshold alone.
    assert!(
        editor.params.events.is_empty(),
        "{:?}",
        editor.params.events
    );
    let nodes = editor.params.curve.nodes();
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0], curve.nodes()[0]);
    // 30 points of about 1.8 per dB: about +16 dB; 10 points of about 3.3 per octave... up.
    assert!(nodes[1].db > 30.0 && nodes[1].db < 40.0, "{:?}", nodes[1]);
    assert!(
        nodes[1].hz > 4100.0 && nodes[1].hz < 5000.0,
        "{:?}",
        nodes[1]
    );
    // The moved node and the line through it at its new place.
    harness.run();
    harness.snapshot_options("editor_curve_dragged", &options());
}

#[test]
fn the_key_spectrum_is_drawn_when_the_key_has_a_role() {
    // The noisy clip gated by its clean original, as a close mic gates a distant one.
    let settings = Settings {
        key: Key::Gate,
        reference: Reference::Absolute,
        threshold_db: -70.0,
        mode: Mode::Soft,
        ..Settings::default()
    };
    let (key, _) = read_wav(CLEAN);
    let model = analyse_keyed(settings, Curve::default(), &key);
    let key_db = model
        .key_db()
        .expect("the key is published while it has a role");
    assert!(
        key_db.iter().any(|&db| db > -60.0),
        "the key's level arrives"
    );
    let mut harness = harness(Editor {
        view: ViewState::with_presets(Library::with_user_dir(None)),
        model,
        params: SettingsAccess::new(settings),
    });
    harness.run();
    harness.snapshot_options("editor_key_spectrum", &options());
    // With the key off, nothing of it is published.
    let off = analyse_keyed(Settings::default(), Curve::default(), &key);
    assert!(off.key_db().is_none());
}

/// Where the 4 kHz node of the test above is drawn (points), read off its snapshot.
const NODE_4K: (f32, f32) = (509.0, 469.0);
