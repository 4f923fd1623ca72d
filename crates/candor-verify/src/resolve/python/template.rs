//! The console-script templates pip (distlib) and uv write, and pip's `#!/bin/sh`
//! trampoline for interpreter paths too long for a `#!` line.

use std::path::{Path, PathBuf};

/// Lines of the console-script templates of pip (distlib) and uv that do nothing but
/// tidy `sys.argv[0]`.
const TEMPLATE_LINES: [&str; 11] = [
    "import re",
    "import sys",
    "if __name__ == '__main__':",
    r#"if __name__ == "__main__":"#,
    r"sys.argv[0] = re.sub(r'(-script\.pyw|\.exe)?$', '', sys.argv[0])",
    r#"sys.argv[0] = re.sub(r"(-script\.pyw|\.exe)?$", "", sys.argv[0])"#,
    r"sys.argv[0] = re.sub(r'(-script\.pyw?|\.exe)?$', '', sys.argv[0])",
    r#"if sys.argv[0].endswith("-script.pyw"):"#,
    "sys.argv[0] = sys.argv[0][:-11]",
    r#"elif sys.argv[0].endswith(".exe"):"#,
    "sys.argv[0] = sys.argv[0][:-4]",
];

/// What a console script runs: `from MODULE import NAME`, `sys.exit(NAME…())`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::resolve) struct EntryPoint {
    /// The module imported (`black`, `acme.cli`).
    pub module: String,
    /// The name imported from it.
    pub name: String,
    /// The import line as written.
    pub import_line: String,
}

impl EntryPoint {
    /// The top-level package or module: what Python looks up on `sys.path`.
    pub fn top(&self) -> &str {
        self.module.split('.').next().unwrap_or(&self.module)
    }
}

/// pip's `#!/bin/sh` form for interpreter paths too long for a `#!` line, and uv's
/// relocatable form: the interpreter and the Python text after the trampoline.
///
/// ```text
/// #!/bin/sh
/// '''exec' "/long/path/bin/python" "$0" "$@"
/// ' '''
/// ```
pub(in crate::resolve) fn long_shebang<'t>(
    text: &'t str,
    script: &Path,
) -> Option<(PathBuf, &'t str)> {
    let mut lines = text.splitn(4, '\n');
    let _shebang = lines.next()?;
    let exec = lines.next()?.trim();
    if lines.next()?.trim() != "' '''" {
        return None;
    }
    let body = lines.next().unwrap_or("");
    let program = exec
        .strip_prefix("'''exec' ")?
        .strip_suffix(r#" "$0" "$@""#)?;
    let relocatable = r#""$(dirname -- "$(realpath -- "$0")")"/'"#;
    if let Some(name) = program.strip_prefix(relocatable) {
        let name = name.strip_suffix('\'')?;
        return Some((script.parent()?.join(name), body));
    }
    let path = program.strip_prefix('"')?.strip_suffix('"')?;
    (path.starts_with('/') && !path.contains(['$', '`', '"'])).then(|| (PathBuf::from(path), body))
}

/// The entry point of a console script whose text after the `#!` line is `body`, or why
/// it is not one.
pub(in crate::resolve) fn recognise(body: &str) -> Result<EntryPoint, String> {
    let mut entry: Option<EntryPoint> = None;
    let mut call: Option<&str> = None;
    for (index, raw) in body.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || TEMPLATE_LINES.contains(&line) {
            continue;
        }
        let unknown = || {
            format!(
                "line {}: `{}` is not part of a console-script template",
                index + 2,
                shorten(line)
            )
        };
        if let Some(import) = line.strip_prefix("from ") {
            let (module, name) = import.split_once(" import ").ok_or_else(unknown)?;
            let (module, name) = (module.trim(), name.trim());
            if entry.is_some() || !module.split('.').all(is_identifier) || !is_identifier(name) {
                return Err(unknown());
            }
            entry = Some(EntryPoint {
                module: module.to_owned(),
                name: name.to_owned(),
                import_line: line.to_owned(),
            });
        } else if let Some(inner) = line
            .strip_prefix("sys.exit(")
            .and_then(|r| r.strip_suffix(')'))
        {
            if call.replace(inner).is_some() {
                return Err(unknown());
            }
        } else {
            return Err(unknown());
        }
    }
    let entry = entry.ok_or("no `from MODULE import NAME` line")?;
    let called = call
        .and_then(|c| c.strip_suffix("()"))
        .ok_or("no `sys.exit(NAME())` line")?;
    let mut parts = called.split('.');
    if parts.next() != Some(entry.name.as_str()) || !parts.all(is_identifier) {
        return Err(format!(
            "`sys.exit({called}())` does not call what it imports (`{}`)",
            entry.name
        ));
    }
    Ok(entry)
}

pub(super) fn is_identifier(word: &str) -> bool {
    word.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && word.chars().all(|c| c.is_alphanumeric() || c == '_')
}

pub(super) fn shorten(line: &str) -> String {
    line.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIP: &str = "# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom black import patched_main\n\
        if __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(patched_main())\n";

    const UV: &str = "# -*- coding: utf-8 -*-\nimport sys\nfrom acme.cli import app\nif __name__ == \"__main__\":\n\
        \x20   if sys.argv[0].endswith(\"-script.pyw\"):\n        sys.argv[0] = sys.argv[0][:-11]\n\
        \x20   elif sys.argv[0].endswith(\".exe\"):\n        sys.argv[0] = sys.argv[0][:-4]\n    sys.exit(app.main())\n";

    #[test]
    fn pip_and_uv_templates_name_their_module() {
        let pip = recognise(PIP).expect("pip's template");
        assert_eq!(
            (pip.module.as_str(), pip.name.as_str(), pip.top()),
            ("black", "patched_main", "black")
        );
        let uv = recognise(UV).expect("uv's template");
        assert_eq!((uv.module.as_str(), uv.top()), ("acme.cli", "acme"));
    }

    #[test]
    fn anything_else_in_a_console_script_is_not_followed() {
        let cases = [
            (
                PIP.replace(
                    "import sys\n",
                    "import sys\nsys.path.insert(0, '/tmp/evil')\n",
                ),
                "line 5",
            ),
            (PIP.replace("patched_main())", "other())"), "does not call"),
            (
                PIP.replace("from black import patched_main\n", ""),
                "no `from",
            ),
            (format!("{PIP}from os import system\n"), "line 9"),
            (
                PIP.replace("from black", "from black; import os"),
                "not part",
            ),
        ];
        for (text, why) in cases {
            let err = recognise(&text).expect_err(&text);
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    #[test]
    fn long_shebang_forms_name_the_interpreter() {
        let script = Path::new("/v/bin/tool");
        let pip =
            format!("#!/bin/sh\n'''exec' \"/very/long/v/bin/python\" \"$0\" \"$@\"\n' '''\n{PIP}");
        let (python, body) = long_shebang(&pip, script).expect("pip's form");
        assert_eq!(python, Path::new("/very/long/v/bin/python"));
        assert!(recognise(body).is_ok());
        let uv = "#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")\"/'python' \"$0\" \"$@\"\n' '''\n";
        assert_eq!(
            long_shebang(uv, script).expect("uv's form").0,
            Path::new("/v/bin/python")
        );
        assert!(long_shebang("#!/bin/sh\nexec node x\n", script).is_none());
    }
}
