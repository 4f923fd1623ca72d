//! HTTP/1.1 on the wire: reading a request (Content-Length and chunked bodies,
//! `Expect: 100-continue`) and writing a response head. A malformed request is an
//! [`ReadError::Refuse`] (the server answers it with a 4xx and closes), never a panic.

use std::io::{BufRead, BufReader, Read, Write};

use super::server::Request;

/// The request line and headers together may not exceed this.
const MAX_HEAD: usize = 64 * 1024;
/// A chunk-size line or a trailer section may not exceed this.
const MAX_CHUNK_LINE: usize = 4 * 1024;
/// Request bodies (after chunked decoding) may not exceed this: far above what a test
/// sends, far below what would take the machine down.
pub(crate) const MAX_BODY: usize = 256 * 1024 * 1024;

/// Why no request could be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection failed or closed in the middle of a request: nobody to answer.
    Gone,
    /// The request is malformed: answer `status` with `why` as the body, then close.
    Refuse { status: u16, why: &'static str },
}

fn refuse(why: &'static str) -> ReadError {
    ReadError::Refuse { status: 400, why }
}

impl From<std::io::Error> for ReadError {
    fn from(_: std::io::Error) -> Self {
        ReadError::Gone
    }
}

/// A request and whether the connection stays open after its response.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) request: Request,
    pub(crate) keep_alive: bool,
}

/// One line without its `\r\n` (or bare `\n`), charged to `budget`. `None` at a clean
/// end of stream before the line's first byte.
fn read_line<R: BufRead>(
    reader: &mut R,
    budget: &mut usize,
    too_long: &'static str,
) -> Result<Option<Vec<u8>>, ReadError> {
    let mut line = Vec::new();
    let limit = u64::try_from(*budget).unwrap_or(u64::MAX).saturating_add(1);
    let read = reader.by_ref().take(limit).read_until(b'\n', &mut line)?;
    if read == 0 {
        return Ok(None);
    }
    if read > *budget {
        return Err(refuse(too_long));
    }
    if line.last() != Some(&b'\n') {
        return Err(ReadError::Gone);
    }
    *budget -= read;
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

/// RFC 9110 `token` characters (method and header names).
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Reads the next request from `stream`, sending `100 Continue` when the client waits for
/// it. `Ok(None)`: the client closed the connection between requests.
pub(crate) fn read_request<S: Read + Write>(
    stream: &mut BufReader<S>,
    connection: usize,
) -> Result<Option<Incoming>, ReadError> {
    let Some((mut request, http10)) = read_head(stream, connection)? else {
        return Ok(None);
    };
    let tokens = |name: &str| -> Vec<String> {
        request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect()
    };
    let connection_tokens = tokens("connection");
    let keep_alive = if http10 {
        connection_tokens.iter().any(|t| t == "keep-alive")
    } else {
        !connection_tokens.iter().any(|t| t == "close")
    };
    let transfer_encoding = tokens("transfer-encoding");
    let content_length = tokens("content-length");
    let expects_continue = tokens("expect").iter().any(|t| t == "100-continue");

    if !transfer_encoding.is_empty() {
        if !content_length.is_empty() {
            return Err(refuse("both Transfer-Encoding and Content-Length"));
        }
        if transfer_encoding != ["chunked"] {
            return Err(ReadError::Refuse {
                status: 501,
                why: "only the chunked transfer coding is understood",
            });
        }
        if expects_continue {
            send_continue(stream.get_mut())?;
        }
        request.body = read_chunked(stream)?;
    } else if let Some(first) = content_length.first() {
        if content_length.iter().any(|v| v != first) {
            return Err(refuse("conflicting Content-Length values"));
        }
        let length: usize = Some(first)
            .filter(|v| v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| refuse("Content-Length is not a number"))?;
        if length > MAX_BODY {
            return Err(ReadError::Refuse {
                status: 413,
                why: "request body too large",
            });
        }
        if length > 0 && expects_continue {
            send_continue(stream.get_mut())?;
        }
        read_exact_into(stream, length, &mut request.body)?;
    }
    Ok(Some(Incoming {
        request,
        keep_alive,
    }))
}

/// The request line and headers (the body still unread), and whether it is HTTP/1.0.
fn read_head<R: BufRead>(
    reader: &mut R,
    connection: usize,
) -> Result<Option<(Request, bool)>, ReadError> {
    let mut budget = MAX_HEAD;
    // RFC 9112 §2.2: ignore at least one empty line before the request line.
    let line = loop {
        match read_line(reader, &mut budget, "request line too long")? {
            None => return Ok(None),
            Some(line) if line.is_empty() => {}
            Some(line) => break line,
        }
    };
    let line = String::from_utf8(line).map_err(|_| refuse("request line is not UTF-8"))?;
    let mut parts = line.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refuse("request line is not METHOD TARGET VERSION"));
    };
    if !is_token(method) || path.is_empty() {
        return Err(refuse("malformed method or target"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => {
            return Err(ReadError::Refuse {
                status: 505,
                why: "only HTTP/1.0 and HTTP/1.1 are served",
            });
        }
    };
    let mut headers = Vec::new();
    loop {
        let Some(line) = read_line(reader, &mut budget, "header section too long")? else {
            return Err(ReadError::Gone);
        };
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(refuse("obsolete line folding in headers"));
        }
        let line = String::from_utf8_lossy(&line);
        let Some((name, value)) = line.split_once(':') else {
            return Err(refuse("header line without a colon"));
        };
        if !is_token(name) {
            return Err(refuse("malformed header name"));
        }
        headers.push((name.to_owned(), value.trim_matches([' ', '\t']).to_owned()));
    }
    let request = Request {
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        body: Vec::new(),
        connection,
    };
    Ok(Some((request, http10)))
}

fn send_continue<W: Write>(writer: &mut W) -> Result<(), ReadError> {
    writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    writer.flush()?;
    Ok(())
}

/// Appends exactly `length` bytes to `body`; an early end of stream is [`ReadError::Gone`].
fn read_exact_into<R: Read>(
    reader: &mut R,
    length: usize,
    body: &mut Vec<u8>,
) -> Result<(), ReadError> {
    let want = u64::try_from(length).unwrap_or(u64::MAX);
    let read = reader.by_ref().take(want).read_to_end(body)?;
    if read == length {
        Ok(())
    } else {
        Err(ReadError::Gone)
    }
}

/// A chunked body (RFC 9112 §7.1), decoded; extensions and trailers are read and dropped.
fn read_chunked<R: BufRead>(reader: &mut R) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let mut budget = MAX_CHUNK_LINE;
        let line =
            read_line(reader, &mut budget, "chunk-size line too long")?.ok_or(ReadError::Gone)?;
        let size = line.split(|&b| b == b';').next().unwrap_or_default();
        let size = std::str::from_utf8(size)
            .ok()
            .map(|s| s.trim_matches([' ', '\t']))
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .ok_or_else(|| refuse("malformed chunk size"))?;
        if size == 0 {
            let mut budget = MAX_CHUNK_LINE;
            loop {
                let trailer = read_line(reader, &mut budget, "trailer section too long")?
                    .ok_or(ReadError::Gone)?;
                if trailer.is_empty() {
                    return Ok(body);
                }
            }
        }
        if size > MAX_BODY - body.len() {
            return Err(ReadError::Refuse {
                status: 413,
                why: "request body too large",
            });
        }
        read_exact_into(reader, size, &mut body)?;
        let mut budget = 2;
        match read_line(reader, &mut budget, "chunk data longer than its size")? {
            Some(end) if end.is_empty() => {}
            Some(_) => return Err(refuse("chunk data longer than its size")),
            None => return Err(ReadError::Gone),
        }
    }
}

/// The reason phrase for `status` (any text is valid; these are the registered ones).
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Content Too Large",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Whether a response with `status` has no body (and so no Content-Length): 1xx, 204,
/// 304 (RFC 9110 §6.4.1).
pub(crate) fn bodiless(status: u16) -> bool {
    (100..200).contains(&status) || status == 204 || status == 304
}

/// The headers the server frames itself; a handler's own are dropped.
pub(crate) fn is_framing(name: &str) -> bool {
    ["content-length", "transfer-encoding", "connection"]
        .iter()
        .any(|framing| name.eq_ignore_ascii_case(framing))
}

/// A response head: status line, `headers` in order, blank line.
pub(crate) fn head<'a>(
    status: u16,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}
