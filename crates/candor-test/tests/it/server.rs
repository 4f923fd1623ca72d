//! The plain server: HTTP/1.1 framing both ways, keep-alive, malformed requests, and each
//! fault reply against a real client.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use candor_test::http::{Reply, serve};

use crate::{client, exchange, status_of};

/// Echoes the method, the path and the body.
fn echo() -> candor_test::http::TestServer {
    serve(|request| {
        let mut body = format!("{} {} ", request.method, request.path).into_bytes();
        body.extend_from_slice(&request.body);
        Reply::ok(body).with_header("Content-Type", "text/plain")
    })
}

#[test]
fn a_client_reuses_one_connection_for_several_requests() {
    let server = echo();
    assert!(server.url().starts_with("http://127.0.0.1:"));
    assert!(!server.url().ends_with('/'));
    let client = client().build().unwrap();
    for i in 0..3 {
        let response = client
            .get(format!("{}/n/{i}?q=1", server.url()))
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["connection"], "keep-alive");
        assert_eq!(response.content_length(), Some(13));
        assert_eq!(response.text().unwrap(), format!("GET /n/{i}?q=1 "));
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.connection == requests[0].connection)
    );
    assert_eq!(requests[2].path_without_query(), "/n/2");
    assert_eq!(
        requests[0].header("HOST"),
        Some(server.addr().to_string().as_str())
    );
}

#[test]
fn connection_close_closes_after_the_response() {
    let server = echo();
    let response = exchange(
        server.addr(),
        b"POST /p HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
    );
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("\r\nConnection: close\r\n"));
    assert!(response.ends_with("\r\n\r\nPOST /p abc"));
}

#[test]
fn http_1_0_closes_unless_asked_to_keep_alive() {
    let server = echo();
    let response = exchange(server.addr(), b"GET / HTTP/1.0\r\n\r\n");
    assert!(response.contains("\r\nConnection: close\r\n"), "{response}");
}

#[test]
fn chunked_request_bodies_are_decoded() {
    let server = echo();
    let response = exchange(
        server.addr(),
        b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
          3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n",
    );
    assert!(response.ends_with("POST /c abc0123456789"), "{response}");
    assert_eq!(server.requests()[0].body, b"abc0123456789");
}

#[test]
fn several_requests_in_one_write_are_answered_in_order() {
    let server = echo();
    let response = exchange(
        server.addr(),
        b"GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 1\r\n\r\nx\
          GET /3 HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    let bodies: Vec<&str> = response
        .split("HTTP/1.1 200 OK")
        .skip(1)
        .map(|part| part.rsplit("\r\n\r\n").next().unwrap())
        .collect();
    assert_eq!(bodies, ["GET /1 ", "POST /2 x", "GET /3 "]);
}

#[test]
fn expect_100_continue_is_answered_before_the_body_is_sent() {
    let server = echo();
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"PUT /e HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(b"ok").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.ends_with("PUT /e ok"), "{response}");
}

#[test]
fn malformed_requests_are_refused_and_the_server_carries_on() {
    let server = echo();
    let cases: [(&[u8], u16); 10] = [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/1.1 extra\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            400,
        ),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
            400,
        ),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            400,
        ),
    ];
    for (request, status) in cases {
        let response = exchange(server.addr(), request);
        assert_eq!(status_of(&response), status, "{request:?} → {response}");
        assert!(response.contains("\r\nConnection: close\r\n"));
    }
    let response = exchange(
        server.addr(),
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    );
    assert_eq!(status_of(&response), 501);
    let response = exchange(
        server.addr(),
        b"POST / HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n",
    );
    assert_eq!(status_of(&response), 413);
    let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(70_000));
    assert_eq!(status_of(&exchange(server.addr(), long.as_bytes())), 400);
    assert!(server.requests().is_empty());
    let response = exchange(
        server.addr(),
        b"GET /fine HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_of(&response), 200);
}

#[test]
fn head_gets_the_length_but_no_body() {
    let server = serve(|_| Reply::ok("hello"));
    let response = exchange(
        server.addr(),
        b"HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert!(response.contains("\r\nContent-Length: 5\r\n"), "{response}");
    assert!(response.ends_with("\r\n\r\n"));
}

#[test]
fn the_helpers_build_the_responses_they_name() {
    let server = serve(|request| match request.path.as_str() {
        "/old" => Reply::redirect(301, "/new"),
        "/new" => Reply::ok("moved here").with_header("X-Test", "1"),
        "/empty" => Reply::status(204).with_header("Content-Length", "99"),
        _ => Reply::status(404),
    });
    let client = client().build().unwrap();
    let response = client.get(format!("{}/old", server.url())).send().unwrap();
    assert_eq!(response.url().path(), "/new");
    assert_eq!(response.headers()["x-test"], "1");
    assert_eq!(response.text().unwrap(), "moved here");
    assert_eq!(
        client
            .get(format!("{}/nothing", server.url()))
            .send()
            .unwrap()
            .status(),
        404
    );
    let response = exchange(
        server.addr(),
        b"GET /empty HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 204 No Content\r\n"));
    assert!(!response.contains("Content-Length"), "{response}");
}

#[test]
fn a_panicking_handler_answers_500() {
    let server = serve(|_| panic!("deliberately"));
    let response = exchange(
        server.addr(),
        b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_of(&response), 500);
    assert!(response.ends_with("the test server's handler panicked: deliberately"));
}

#[test]
fn stall_times_out_a_client_and_does_not_hold_up_the_server_stopping() {
    let server = serve(|_| Reply::Stall);
    let client = client()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = client.get(server.url()).send().unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    // A stalled connection the client still holds open.
    let mut held = TcpStream::connect(server.addr()).unwrap();
    held.write_all(b"GET /held HTTP/1.1\r\n\r\n").unwrap();
    while server.requests().len() < 2 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(2));
    let mut rest = Vec::new();
    held.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    held.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}

#[test]
fn endless_streams_past_10_mb_until_the_client_hangs_up() {
    let server = serve(|_| Reply::Endless { status: 200 });
    let mut response = client().build().unwrap().get(server.url()).send().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), None);
    assert!(response.headers().get("transfer-encoding").is_none());
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0usize;
    while total <= 10 * 1024 * 1024 {
        let read = response.read(&mut buf).unwrap();
        assert_ne!(read, 0, "the stream ended after {total} bytes");
        total += read;
    }
    drop(response);
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn drip_sends_the_declared_body_one_byte_at_a_time() {
    let every = Duration::from_millis(30);
    let server = serve(move |_| Reply::Drip {
        body: b"slow".to_vec(),
        every,
    });
    let started = Instant::now();
    let response = exchange(
        server.addr(),
        b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert!(started.elapsed() >= every * 4);
    assert!(response.contains("\r\nContent-Length: 4\r\n"), "{response}");
    assert!(response.ends_with("\r\n\r\nslow"));

    // Every read succeeds quickly; only a deadline on the whole body stops the drip.
    let server = serve(|_| Reply::Drip {
        body: vec![b'x'; 100],
        every: Duration::from_millis(20),
    });
    let client = client()
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let error = client
        .get(server.url())
        .send()
        .unwrap()
        .bytes()
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[test]
fn truncated_is_detected_by_a_client_that_counts() {
    let server = serve(|_| Reply::Truncated {
        body: b"0123456789".to_vec(),
        declared: 100,
    });
    let response = exchange(server.addr(), b"GET / HTTP/1.1\r\n\r\n");
    assert!(
        response.contains("\r\nContent-Length: 100\r\n"),
        "{response}"
    );
    assert!(response.ends_with("\r\n\r\n0123456789"));
    let response = client().build().unwrap().get(server.url()).send().unwrap();
    assert_eq!(response.content_length(), Some(100));
    assert!(response.bytes().is_err());
}

#[test]
fn close_answers_nothing() {
    let server = serve(|_| Reply::Close);
    assert_eq!(exchange(server.addr(), b"GET / HTTP/1.1\r\n\r\n"), "");
    assert!(client().build().unwrap().get(server.url()).send().is_err());
    assert!(server.requests().len() >= 2);
}
