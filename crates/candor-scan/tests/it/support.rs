//! Fixture builders.

use candor_scan::{ScanOptions, Scanner};

pub use candor_test::Rng;

const WORDS: &[&str] = &[
    "value", "items", "render", "state", "props", "config", "handler", "result", "buffer", "index",
    "length", "update", "create", "options", "request", "response", "message", "content", "target",
    "source", "parse", "format", "token", "stream", "chunk", "cache", "model", "prompt", "tools",
];

const STRINGS: &[&str] = &[
    "use strict",
    "Unexpected token",
    "Invalid argument",
    "object",
    "function",
    "undefined",
    "Cannot read properties of null",
    "The operation was aborted",
    "utf8",
    "base64",
    "content-type",
    "application/json",
    "Press Enter to continue",
    "Loading",
    "Done",
    "Error: %s",
    "warning",
];

/// Minified-JS-like filler of about `size` bytes: functions, arrows, object literals,
/// string literals of ordinary messages, numbers. Contains no behaviour indicators.
pub fn minified_js(size: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(size + 256);
    out.push_str("\"use strict\";var e=this&&this.__importDefault||function(e){return e&&e.__esModule?e:{default:e}};");
    let mut n = 0u64;
    while out.len() < size {
        n += 1;
        let a = rng.pick(WORDS);
        let b = rng.pick(WORDS);
        let piece = match rng.below(6) {
            0 => format!(
                "function {a}{n}(t,r){{if(!t)throw new Error(\"{}\");return t.{b}.map(n=>n*{})}};",
                rng.pick(STRINGS),
                rng.below(1000)
            ),
            1 => format!(
                "const {a}{n}={{{b}:{},label:\"{}\",enabled:!{}}};",
                rng.below(65536),
                rng.pick(STRINGS),
                rng.below(2)
            ),
            2 => format!(
                "{a}{n}=({b})=>{b}&&{b}.length>{}?{b}.slice(0,{}):{b};",
                rng.below(100),
                rng.below(100)
            ),
            3 => format!(
                "class {a}{n} extends Object{{constructor(){{super();this.{b}=[]}}{b}(){{return this.{a}}}}}"
            ),
            4 => format!("for(let i=0;i<{a}{n}.length;i++){{{b}+={a}{n}[i]|0}}"),
            _ => format!(
                "exports.{a}{n}=function(){{return\"{}\"+{}.toString(16)}};",
                rng.pick(STRINGS),
                rng.below(1 << 20)
            ),
        };
        out.push_str(&piece);
    }
    out
}

/// The default scanner with the built-in lists.
pub fn scanner() -> Scanner {
    Scanner::new(
        candor_scan::rules::detectors(&[]).expect("built-in rules load"),
        ScanOptions::default(),
    )
}
