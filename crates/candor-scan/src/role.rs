//! What each scanned file is for: code that runs, code that runs on install, type
//! declarations, documentation, or data. A security team asks what a package *does*;
//! the thousand `github.com` links of a changelog do not answer it, so `candor scan`
//! reports the indicators of documentation and declarations apart
//! ([`crate::ScanReport::set_aside`]) unless asked to include them.
//!
//! A file's role comes from, in order of precedence:
//! 1. the package manifest (`package.json`) of the package it is in: the files its `main`,
//!    `bin`, `exports` and `browser` name are code (type declarations and JSON files
//!    excepted: they are read, not run), and those its `preinstall`, `install`
//!    and `postinstall` scripts run are install scripts (which npm runs on install,
//!    before anyone has looked at the tool); a `binding.gyp` makes npm run
//!    `node-gyp rebuild` on install unless an install script is set;
//! 2. its content: a `#!` line, an ELF, PE, Mach-O or WebAssembly header make code of
//!    any name (a `README.md` that is an executable is code);
//! 3. its name: `.js`, `.ts`, `.py`, `.sh` … are code, `.d.ts` declarations, Markdown,
//!    licences, changelogs and READMEs documentation, everything else data.
//!
//! Roles only decide what the default report shows: the release gate, `verify --scan`
//! and audit drafts judge every file whatever its role, since a file's name is the
//! attacker's choice.

use std::collections::BTreeMap;

use serde::Serialize;

/// What a scanned file is for.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Code that runs when the tool is used: sources, native executables, WebAssembly.
    Code,
    /// Code that a package manager runs on install (`postinstall`).
    InstallScript,
    /// Type declarations (`.d.ts`): describe code, never run.
    Declarations,
    /// Documentation and metadata: Markdown, licences, changelogs, READMEs.
    Docs,
    /// Anything else: configuration, source maps, stylesheets, images.
    #[default]
    Data,
}

impl Role {
    /// The name in reports (`install-script`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Code => "code",
            Role::InstallScript => "install-script",
            Role::Declarations => "declarations",
            Role::Docs => "docs",
            Role::Data => "data",
        }
    }

    /// Whether the default report sets this role's indicators aside.
    pub fn is_set_aside(self) -> bool {
        matches!(self, Role::Declarations | Role::Docs)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Extensions of code.
const CODE_EXTENSIONS: &[&str] = &[
    "js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "py", "pyw", "sh", "bash", "zsh", "fish",
    "ps1", "psm1", "bat", "cmd", "vbs", "rb", "pl", "pm", "php", "lua", "go", "rs", "c", "cc",
    "cpp", "h", "hpp", "java", "kt", "swift", "cs", "wasm", "node", "so", "dylib", "dll", "exe",
    "html", "htm", "vue", "svelte",
];

/// Extensions of documentation.
const DOC_EXTENSIONS: &[&str] = &[
    "md", "markdown", "mdx", "rst", "adoc", "asciidoc", "rdoc", "txt",
];

/// File names (lowercased, before the first dot) of documentation and metadata, whatever
/// their extension (`LICENSE`, `CHANGELOG.md`, `README`).
const DOC_NAMES: &[&str] = &[
    "readme",
    "changelog",
    "changes",
    "history",
    "news",
    "license",
    "licence",
    "copying",
    "notice",
    "authors",
    "contributors",
    "contributing",
    "security",
    "code_of_conduct",
    "migration",
    "upgrading",
];

/// The role of the file `name` (`x.tgz!package/README.md`) with content `bytes`, from its
/// content and name (the package manifest is applied afterwards, [`apply_packages`]).
pub fn of(name: &str, bytes: &[u8]) -> Role {
    if is_executable_content(bytes) {
        return Role::Code;
    }
    let base = base_name(name).to_ascii_lowercase();
    if base.ends_with(".d.ts") || base.ends_with(".d.mts") || base.ends_with(".d.cts") {
        return Role::Declarations;
    }
    let stem = base.split('.').next().unwrap_or_default();
    if DOC_NAMES.contains(&stem) {
        return Role::Docs;
    }
    match base.rsplit_once('.').map(|(_, ext)| ext) {
        Some(ext) if CODE_EXTENSIONS.contains(&ext) => Role::Code,
        Some(ext) if DOC_EXTENSIONS.contains(&ext) => Role::Docs,
        _ => Role::Data,
    }
}

/// A `#!` line, or the header of a native executable or WebAssembly module.
fn is_executable_content(bytes: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"#!",
        b"\x7fELF",
        b"MZ",
        b"\0asm",
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
        b"\xca\xfe\xba\xbe",
    ];
    MAGIC.iter().any(|m| bytes.starts_with(m))
}

/// The last component of an entry name (`x.tgz!package/lib/a.js` → `a.js`), without the
/// suffix a repeated archive entry gets (`a.js (occurrence 2)` → `a.js`).
fn base_name(name: &str) -> &str {
    let base = name.rsplit(['/', '!']).next().unwrap_or(name);
    match base.rsplit_once(" (occurrence ") {
        Some((stem, n)) if n.ends_with(')') => stem,
        _ => base,
    }
}

/// A script npm runs on install, as a package manifest sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct InstallScript {
    /// The package manifest (`x.tgz!package/package.json`).
    pub package: String,
    /// The hook (`preinstall`, `install`, `postinstall`; `install (implicit)` for the
    /// `node-gyp rebuild` a `binding.gyp` makes npm run).
    pub hook: String,
    /// The command, as written.
    pub command: String,
    /// The files of the package the command names (`x.tgz!package/scripts/setup.js`).
    pub files: Vec<String>,
}

/// What a package manifest says of its package's files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Package {
    /// The manifest's entry name (`x.tgz!package/package.json`).
    manifest: String,
    /// Paths the manifest names as entry points, relative to the package (`lib/a.js`).
    entry_points: Vec<String>,
    /// Install hooks and their commands.
    hooks: Vec<(String, String)>,
}

/// Install hooks npm runs, in order.
const INSTALL_HOOKS: &[&str] = &["preinstall", "install", "postinstall"];

/// Read `bytes` as the package manifest named `name`, if it is one (a `package.json`
/// that parses as a JSON object).
pub(crate) fn package(name: &str, bytes: &[u8]) -> Option<Package> {
    if base_name(name) != "package.json" {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let object = json.as_object()?;
    let mut entry_points = Vec::new();
    let mut strings = |value: &serde_json::Value| collect_strings(value, &mut entry_points);
    for field in ["main", "bin", "exports", "browser", "module"] {
        if let Some(value) = object.get(field) {
            strings(value);
        }
    }
    let scripts = object.get("scripts").and_then(|s| s.as_object());
    let hooks = INSTALL_HOOKS
        .iter()
        .filter_map(|hook| {
            let command = scripts?.get(*hook)?.as_str()?;
            Some(((*hook).to_owned(), command.to_owned()))
        })
        .collect();
    Some(Package {
        manifest: name.to_owned(),
        entry_points,
        hooks,
    })
}

/// Every string in `value` (a path, or objects and arrays of them), at most 1,000.
fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    const MAX_ENTRY_POINTS: usize = 1000;
    if out.len() >= MAX_ENTRY_POINTS {
        return;
    }
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// `./lib/a.js` → `lib/a.js`.
fn normalize(path: &str) -> &str {
    let mut path = path.trim();
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    path
}

/// Apply the package manifests met in a scan to the roles of its files: entry points are
/// code, files the install hooks run are install scripts. Returns the install scripts.
pub(crate) fn apply_packages(
    packages: &[Package],
    files: &mut [crate::ScannedFile],
) -> Vec<InstallScript> {
    let mut scripts = Vec::new();
    // The deepest package holding a file is its package.
    let mut by_dir: BTreeMap<&str, &Package> = BTreeMap::new();
    for package in packages {
        let dir = &package.manifest[..package.manifest.len() - "package.json".len()];
        by_dir.insert(dir, package);
    }
    let owner = |path: &str| -> Option<(&str, &Package)> {
        by_dir
            .iter()
            .rev()
            .find(|(dir, _)| path.starts_with(**dir))
            .map(|(dir, p)| (*dir, *p))
    };
    let index: BTreeMap<String, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.clone(), i))
        .collect();
    for package in packages {
        let dir = &package.manifest[..package.manifest.len() - "package.json".len()];
        // Of the package itself, not of a package nested in it.
        let own = |path: &str| owner(path).is_some_and(|(d, _)| d == dir);
        for entry in &package.entry_points {
            for candidate in resolutions(normalize(entry)) {
                let path = format!("{dir}{candidate}");
                // Type declarations (`types` in `exports`) never run, and the manifest
                // itself (`"./package.json": "./package.json"`) is read, not run.
                if let Some(&i) = index.get(&path).filter(|_| own(&path))
                    && matches!(files[i].role, Role::Data | Role::Docs)
                    && !path.to_ascii_lowercase().ends_with(".json")
                {
                    files[i].role = Role::Code;
                    break;
                }
            }
        }
        let mut hooks = package.hooks.clone();
        let gyp = format!("{dir}binding.gyp");
        if index.contains_key(&gyp)
            && !hooks
                .iter()
                .any(|(h, _)| h == "install" || h == "preinstall")
        {
            hooks.push((
                "install (implicit)".to_owned(),
                "node-gyp rebuild".to_owned(),
            ));
        }
        for (hook, command) in hooks {
            let mut named = Vec::new();
            for word in command
                .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')'))
            {
                let word = normalize(word.trim_matches(['"', '\'']));
                if word.is_empty() {
                    continue;
                }
                let path = format!("{dir}{word}");
                if let Some(&i) = index.get(&path).filter(|_| own(&path)) {
                    files[i].role = Role::InstallScript;
                    named.push(path);
                }
            }
            scripts.push(InstallScript {
                package: package.manifest.clone(),
                hook,
                command,
                files: named,
            });
        }
    }
    scripts
}

/// The files an entry point may name: itself, with `.js`, or its `index.js`.
fn resolutions(entry: &str) -> [String; 3] {
    let entry = entry.trim_end_matches('/');
    [
        entry.to_owned(),
        format!("{entry}.js"),
        format!("{entry}/index.js"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScannedFile;

    #[test]
    fn roles_from_names() {
        for (name, role) in [
            ("x.tgz!package/lib/axios.js", Role::Code),
            ("package/dist/cli.mjs", Role::Code),
            ("setup.py", Role::Code),
            ("package/index.d.ts", Role::Declarations),
            ("package/index.d.cts", Role::Declarations),
            ("package/CHANGELOG.md", Role::Docs),
            ("package/LICENSE", Role::Docs),
            ("package/README", Role::Docs),
            ("package/docs/guide.md", Role::Docs),
            ("package/MIGRATION_GUIDE.md", Role::Docs),
            ("package/package.json", Role::Data),
            ("package/dist/axios.js.map", Role::Data),
            ("package/style.css", Role::Data),
            ("x.zip!index.js (occurrence 2)", Role::Code),
            ("x.zip!README.md (occurrence 3)", Role::Docs),
        ] {
            assert_eq!(of(name, b"text"), role, "{name}");
        }
    }

    #[test]
    fn executable_content_is_code_whatever_the_name() {
        assert_eq!(
            of("package/README.md", b"#!/bin/sh\ncurl x | sh\n"),
            Role::Code
        );
        assert_eq!(of("package/LICENSE", b"\x7fELF\x02\x01\x01"), Role::Code);
        assert_eq!(of("package/data.bin", b"\0asm\x01\0\0\0"), Role::Code);
    }

    fn file(path: &str, role: Role) -> ScannedFile {
        ScannedFile {
            path: path.to_owned(),
            size: 1,
            role,
        }
    }

    #[test]
    fn the_package_manifest_names_entry_points_and_install_scripts() {
        let manifest = br#"{
            "name": "agent",
            "main": "./lib/index",
            "exports": {".": {"types": "./index.d.ts", "default": "./lib/index.js"}, "./package.json": "./package.json"},
            "bin": {"agent": "bin/agent"},
            "scripts": {"postinstall": "node ./scripts/setup.cjs && node-gyp rebuild", "test": "node test.js"}
        }"#;
        let package = package("a.tgz!package/package.json", manifest).unwrap();
        let mut files = vec![
            file("a.tgz!package/package.json", Role::Data),
            file("a.tgz!package/lib/index.js", Role::Code),
            file("a.tgz!package/bin/agent", Role::Data),
            file("a.tgz!package/scripts/setup.cjs", Role::Code),
            file("a.tgz!package/test.js", Role::Code),
            file("a.tgz!package/binding.gyp", Role::Data),
            file("a.tgz!package/index.d.ts", Role::Declarations),
        ];
        let scripts = apply_packages(&[package], &mut files);
        let roles: Vec<Role> = files.iter().map(|f| f.role).collect();
        assert_eq!(
            roles,
            [
                Role::Data,
                Role::Code,
                Role::Code,
                Role::InstallScript,
                Role::Code,
                Role::Data,
                Role::Declarations
            ]
        );
        assert_eq!(scripts.len(), 2, "{scripts:#?}");
        assert_eq!(scripts[0].hook, "postinstall");
        assert_eq!(scripts[0].files, ["a.tgz!package/scripts/setup.cjs"]);
        // binding.gyp and no install hook of its own: npm runs node-gyp.
        assert_eq!(scripts[1].hook, "install (implicit)");
        assert_eq!(scripts[1].command, "node-gyp rebuild");
    }

    #[test]
    fn a_nested_package_owns_its_files() {
        let outer = package("package/package.json", br#"{"main": "index.js"}"#).unwrap();
        let inner = package(
            "package/node_modules/dep/package.json",
            br#"{"scripts": {"install": "sh index.js"}}"#,
        )
        .unwrap();
        let mut files = vec![
            file("package/index.js", Role::Code),
            file("package/node_modules/dep/index.js", Role::Code),
        ];
        let scripts = apply_packages(&[outer, inner], &mut files);
        assert_eq!(files[0].role, Role::Code);
        assert_eq!(files[1].role, Role::InstallScript);
        assert_eq!(scripts[0].package, "package/node_modules/dep/package.json");
    }

    #[test]
    fn not_a_manifest() {
        assert!(package("package/other.json", b"{}").is_none());
        assert!(package("package/package.json", b"[1]").is_none());
        assert!(package("package/package.json", b"{\"main\": ").is_none());
    }
}
