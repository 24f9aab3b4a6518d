//! The requests the page sends, as the page sends them: the lab request (Figure 5, the exact
//! inertia, Eq. 65's lambda, the pattern it used), unknown keys of every request, the catalog.

use super::{canvas, config, data, get, message, SGD};
use sifrian::wasm::Session;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn the_lab_reports_the_exact_inertia_and_the_eq65_lambda_and_draws_figure5() {
    let d = data();
    let mut s = Session::new(
        config(
            r#"{"sizes": [784, 12, 6, 10], "optimizer": "mk-unreg", "step_size": 0.03, "mu": 1}"#,
        ),
        &d,
    )
    .unwrap();
    assert!(
        message(s.lab(config(r#"{"layer": 1, "pattern": {"source": "current"}}"#)))
            .contains("no training pattern")
    );
    s.step(50).unwrap();
    let r = s
        .lab(config(
            r#"{"layer": 1, "pattern": {"source": "test", "index": 4}}"#,
        ))
        .unwrap();
    let spectrum = get(&r, &["figure5", "spectrum"]);
    assert_eq!(
        get(&spectrum, &["positive"]).as_f64(),
        Some(28.0),
        "S = 12 + 6 + 10"
    );
    assert_eq!(
        get(&spectrum, &["negative"]).as_f64(),
        Some(18.0),
        "S - s_n"
    );
    let crossing = {
        let c = get(&r, &["figure5", "curves"]);
        (get(&c, &["numerator"]).as_f64().unwrap() / get(&c, &["slope"]).as_f64().unwrap()).sqrt()
    };
    let lambda1 = js_sys::Reflect::get_u32(&get(&r, &["lambdas"]), 1)
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(
        (crossing - lambda1).abs() <= 1e-12 * crossing,
        "Eq. 65 crossing {crossing} vs lambda_1 {lambda1}"
    );
    let reported = get(&r, &["crossing"]).as_f64().unwrap();
    assert!(
        (reported - crossing).abs() <= 1e-12 * crossing,
        "the report's crossing {reported} vs sqrt(numerator / slope) {crossing}"
    );
    assert!(get(&r, &["verdict"])
        .as_string()
        .unwrap()
        .starts_with("Counts agree: the Hessian has 28 positive and 18 negative"));
    // The plain loss: every hidden lambda 0 and lambda_n = 1, family 2 undefined, no claim.
    let plain = s
        .lab(config(
            r#"{"layer": 2, "pattern": {"source": "test", "index": 4}, "plain_loss": true}"#,
        ))
        .unwrap();
    let lambdas: Vec<f64> = js_sys::Array::from(&get(&plain, &["lambdas"]))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(lambdas, [0.0, 0.0, 0.0, 1.0]);
    assert_eq!(get(&plain, &["figure5", "current"]).as_f64(), Some(0.0));
    assert_eq!(get(&plain, &["plain_loss"]).as_bool(), Some(true));
    // A None is undefined in JS (serde_wasm_bindgen's default).
    assert!(get(&plain, &["radius_claim"]).is_undefined());
    assert!(get(&plain, &["inertia_paper"]).is_undefined());
    assert_eq!(
        js_sys::Array::from(&get(&plain, &["families", "family2"])).length(),
        0
    );
    assert!(get(&plain, &["family2_undefined"])
        .as_string()
        .unwrap()
        .contains("undefined"));
    // A negative lambda and a lambda beside plain_loss are errors naming the value.
    let m = message(s.lab(config(
        r#"{"layer": 1, "pattern": {"source": "test"}, "lambda": -0.5}"#,
    )));
    assert!(m.contains("lambda") && m.contains("-0.5"), "{m}");
    let m = message(s.lab(config(
        r#"{"layer": 1, "pattern": {"source": "test"}, "lambda": 2, "plain_loss": true}"#,
    )));
    assert!(m.contains("lambda") && m.contains("plain_loss"), "{m}");
    // Moving lambda_1 changes the exact radius.
    let r2 = s
        .lab(config(
            r#"{"layer": 1, "pattern": {"source": "test", "index": 4}, "lambda": 50}"#,
        ))
        .unwrap();
    let radius = |r: &JsValue| get(r, &["figure5", "spectrum", "radius"]).as_f64().unwrap();
    assert!(
        (radius(&r) - radius(&r2)).abs() > 1e-6 * radius(&r),
        "radius {} vs {}",
        radius(&r),
        radius(&r2)
    );
    assert!(
        message(s.lab(config(r#"{"layer": 3, "pattern": {"source": "test"}}"#))).contains("layer")
    );
    assert!(message(s.lab(config(
        r#"{"layer": 1, "pattern": {"source": "drawn", "label": 3}}"#
    )))
    .contains("pixels"));
    let canvas = canvas(500, 320);
    let fig = get(&r, &["figure5"]);
    sifrian::wasm::draw_figure5(canvas.clone(), fig.clone(), JsValue::UNDEFINED).unwrap();
    // At devicePixelRatio 2: the backing store doubled, the same drawing at scale 2.
    canvas.set_width(1000);
    canvas.set_height(640);
    let sharp = config(r#"{"scale": 2}"#);
    sifrian::wasm::draw_figure5(canvas.clone(), fig.clone(), sharp).unwrap();
    for bad in [r#"{"scale": 0}"#, r#"{"scale": 9}"#, r#"{"scael": 2}"#] {
        let why = message(sifrian::wasm::draw_figure5(
            canvas.clone(),
            fig.clone(),
            config(bad),
        ));
        assert!(why.contains("scale"), "{bad}: {why}");
    }
}

#[wasm_bindgen_test]
fn the_lab_names_the_pattern_it_used() {
    let d = data();
    let mut s = Session::new(config(SGD), &d).unwrap();
    let r = s
        .lab(config(
            r#"{"layer": 1, "pattern": {"source": "test", "index": 2}}"#,
        ))
        .unwrap();
    assert_eq!(get(&r, &["pattern", "index"]).as_f64(), Some(2.0));
    assert_eq!(
        get(&r, &["pattern", "label"]).as_f64(),
        Some(d.test_label(2).unwrap() as f64)
    );
    s.step(1).unwrap();
    let r = s
        .lab(config(r#"{"layer": 1, "pattern": {"source": "current"}}"#))
        .unwrap();
    assert_eq!(
        get(&r, &["pattern", "source"]).as_string().as_deref(),
        Some("current")
    );
    assert!(get(&r, &["pattern", "index"]).as_f64().is_some());
}

/// Every key of a request is checked against the request's type: a misspelt or stale key (the
/// old `step`) is an error naming it, at the top level and inside the pattern source.
#[wasm_bindgen_test]
fn unknown_keys_of_the_config_and_the_lab_request_are_errors_naming_the_key() {
    let d = data();
    for (json, needle) in [
        (
            r#"{"sizes": [784, 16, 10], "optimizer": "sgd", "step": 0.1}"#,
            "unknown field `step`",
        ),
        (
            r#"{"sizes": [784, 16, 10], "optimizer": "sgd", "step_size": 0.1, "seeed": 1}"#,
            "seeed",
        ),
        (
            r#"{"sizes": [784, 16, 10], "optimizer": "sgd", "step_size": 0.1, "Mu": 1}"#,
            "Mu",
        ),
    ] {
        let m = message(Session::new(config(json), &d));
        assert!(
            m.contains("unknown field") && m.contains(needle),
            "{json}: {m:?} should name the unknown key {needle:?}"
        );
    }
    let s = Session::new(config(SGD), &d).unwrap();
    for (json, needle) in [
        (
            r#"{"layer": 1, "pattern": {"source": "test", "index": 1}, "lamda": 2}"#,
            "lamda",
        ),
        (
            r#"{"layer": 1, "pattern": {"source": "test", "idx": 1}}"#,
            "idx",
        ),
        (
            r#"{"layer": 1, "pattern": {"source": "test"}, "step": 0.1}"#,
            "unknown field `step`",
        ),
        (
            r#"{"layer": 1, "pattern": {"source": "current", "index": 5}}"#,
            "unknown field `index`",
        ),
        // The flat shape of before: `source` and `index` now live in `pattern`.
        (
            r#"{"layer": 1, "source": "test", "index": 1}"#,
            "unknown field",
        ),
        (r#"{"layer": 1, "pattern": {"source": "tset"}}"#, "tset"),
    ] {
        let m = message(s.lab(config(json)));
        assert!(m.contains(needle), "{json}: {m:?} should name {needle:?}");
    }
    // A value JSON cannot hold reaches the checks, which name it.
    let nan = config(r#"{"layer": 1, "pattern": {"source": "test"}}"#);
    js_sys::Reflect::set(&nan, &"lambda".into(), &f64::NAN.into()).unwrap();
    let m = message(s.lab(nan));
    assert!(
        m.contains("lambda") && m.contains("NaN"),
        "{m:?} should name lambda"
    );
    // The keys that are known work, and unset ones take their defaults.
    let r = s
        .lab(config(
            r#"{"layer": 1, "pattern": {"source": "test", "index": 1}, "mu": 1, "step_size": 0.01}"#,
        ))
        .unwrap();
    assert_eq!(get(&r, &["pattern", "index"]).as_f64(), Some(1.0));
}

/// The page's one source of presets, optimizers and limits is the engine's catalog.
#[wasm_bindgen_test]
fn the_catalog_lists_the_presets_optimizers_and_limits() {
    let c = sifrian::wasm::catalog().unwrap();
    let names = |key: &str| -> Vec<String> {
        js_sys::Array::from(&get(&c, &[key]))
            .iter()
            .map(|o| get(&o, &["name"]).as_string().unwrap())
            .collect()
    };
    assert_eq!(names("presets"), ["small", "medium", "paper"]);
    assert_eq!(
        names("optimizers"),
        [
            "sgd",
            "mk",
            "mk-damped",
            "mk-unreg",
            "newton",
            "newton-pinv",
            "saddle-free"
        ]
    );
    let sgd = js_sys::Array::from(&get(&c, &["optimizers"])).get(0);
    assert_eq!(
        get(&sgd, &["default_step_size"]).as_f64(),
        Some(0.01),
        "SGD's default step size"
    );
    assert_eq!(get(&sgd, &["uses_mu"]).as_bool(), Some(false));
    assert_eq!(get(&c, &["classes"]).as_f64(), Some(10.0));
    assert_eq!(get(&c, &["input_size"]).as_f64(), Some(784.0));
    assert!(get(&c, &["max_params"]).as_f64().unwrap() > 0.0);
}
