//! CSV downloads: RFC 4180 quoting, cells that a spreadsheet would run as a formula neutralised
//! (OWASP's advice on CSV injection), and a body streamed page by page, so an export of a
//! million rows never sits in memory.

use std::future::Future;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use portcullis_store::StoreError;

/// One cell: a value that starts like a formula (`=`, `+`, `-`, `@`, a tab or a carriage
/// return) gets a leading `'` so a spreadsheet shows it as text; a cell with a comma, a quote
/// or a line break is quoted, its quotes doubled.
pub fn cell(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// One line of cells, ended with CRLF.
pub fn line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut out = cells
        .iter()
        .map(|c| cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

/// A download named `filename`: the `header` line, then the lines of each page `next` gives,
/// page after page until it gives none. `next` takes where the previous page ended (`None` for
/// the first) and returns the lines and where this page ended (`None` when it was the last).
/// A database failure half-way ends the response abnormally, so a client never takes a cut-off
/// file for a whole one.
pub fn download<C, F, Fut>(filename: &str, header: String, next: F) -> Response
where
    C: Send + 'static,
    F: FnMut(Option<C>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<String>, Option<C>), StoreError>> + Send + 'static,
{
    enum Stage<C> {
        Header(String),
        Page(Option<C>),
        Done,
    }
    let stream = futures_util::stream::unfold(
        (Stage::<C>::Header(header), next),
        |(stage, mut next)| async move {
            match stage {
                Stage::Header(header) => Some((
                    Ok(Bytes::from(header_bytes(&header))),
                    (Stage::Page(None), next),
                )),
                Stage::Page(after) => match next(after).await {
                    Ok((lines, more)) => {
                        let stage = match more {
                            Some(cursor) => Stage::Page(Some(cursor)),
                            None => Stage::Done,
                        };
                        if lines.is_empty() && matches!(stage, Stage::Done) {
                            return None;
                        }
                        Some((Ok(Bytes::from(lines.concat())), (stage, next)))
                    }
                    Err(e) => {
                        tracing::error!(cause = ?e, "a CSV export failed half-way");
                        Some((
                            Err(std::io::Error::other("the export could not be completed")),
                            (Stage::Done, next),
                        ))
                    }
                },
                Stage::Done => None,
            }
        },
    );
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The header line, after a byte order mark so spreadsheet programs read UTF-8 as UTF-8.
fn header_bytes(header: &str) -> Vec<u8> {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("=a,b"), "\"'=a,b\"");
        assert_eq!(cell(""), "");
        assert_eq!(line(&["a", "b,c"]), "a,\"b,c\"\r\n");
    }

    #[tokio::test]
    async fn a_download_streams_every_page_in_order_then_ends() {
        // Three pages of two lines; each call is handed where the previous page ended.
        let response = download("x.csv", line(&["n"]), |after: Option<u32>| async move {
            let page = after.unwrap_or(0);
            let lines = vec![
                line(&[(page * 2).to_string()]),
                line(&[(page * 2 + 1).to_string()]),
            ];
            Ok((lines, (page < 2).then_some(page + 1)))
        });
        assert_eq!(
            response.headers().get(header::CONTENT_DISPOSITION).unwrap(),
            "attachment; filename=\"x.csv\""
        );
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8(body.to_vec()).unwrap(),
            "\u{feff}n\r\n0\r\n1\r\n2\r\n3\r\n4\r\n5\r\n"
        );
    }

    #[tokio::test]
    async fn a_failure_half_way_breaks_the_download_instead_of_cutting_it_short() {
        let response = download("x.csv", line(&["n"]), |after: Option<u32>| async move {
            match after {
                None => Ok((vec![line(&["0"])], Some(1))),
                Some(_) => Err(StoreError::NotFound),
            }
        });
        assert!(
            axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .is_err()
        );
    }
}
