//! An episode's first request: one GET with a Range header, so that one
//! request both sniffs the format and, for progressive files, learns
//! whether ranges work and the total size; what the server sent, and the
//! rest of a whole body still to come.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, RANGE};
use url::Url;

use super::{Attempt, FetchStats, Fetcher, count_chunk, error_chain};
use crate::net::config::NetError;
use crate::net::headers::RequestHeaders;
use crate::net::link::LinkMeter;
use crate::net::ranges::{RangeProblem, check_range, content_range};

/// What the first request of an episode found.
pub enum Opened {
    /// The server honoured the Range request.
    Ranged { head: Bytes, total: Option<u64> },
    /// The server sent the whole resource; `rest` streams what follows `head`.
    Whole {
        head: Bytes,
        rest: Option<Box<Body>>,
        content_length: Option<u64>,
    },
}

/// A response body still being received.
pub struct Body {
    response: reqwest::Response,
    stall_timeout: Duration,
    url: Url,
    link: Arc<LinkMeter>,
}

impl Body {
    /// The next chunk, `None` at the end. No retry: the caller cannot resume.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, NetError> {
        match tokio::time::timeout(self.stall_timeout, self.response.chunk()).await {
            Ok(Ok(c)) => {
                if let Some(c) = &c {
                    // Read as the stream asks: data used, not a measure of the link.
                    self.link.count(c.len());
                }
                Ok(c)
            }
            Ok(Err(e)) => Err(NetError::Network {
                what: "media".into(),
                url: self.url.to_string(),
                attempts: 1,
                cause: format!("connection broken: {}", error_chain(&e.without_url())),
            }),
            Err(_) => Err(NetError::Network {
                what: "media".into(),
                url: self.url.to_string(),
                attempts: 1,
                cause: format!("stalled: no data for {:?}", self.stall_timeout),
            }),
        }
    }
}

impl Fetcher {
    /// The first request of an episode: asks for the first `head_len` bytes
    /// with a Range header, so that one request both sniffs the format and,
    /// for progressive files, learns whether ranges work and the total size.
    /// `missing_is_final`: a 404 or 410 is not retried (as [`MediaGet`]).
    pub async fn open(
        &self,
        url: &Url,
        headers: &RequestHeaders,
        head_len: usize,
        missing_is_final: bool,
        stats: &FetchStats,
    ) -> Result<Opened, NetError> {
        self.config.policy.check(url)?;
        if url.scheme() == crate::net::stored::SCHEME {
            let (head, total) = crate::net::stored::head(self.stored_root(url)?, url, head_len)?;
            return Ok(Opened::Ranged {
                head,
                total: Some(total),
            });
        }
        self.with_retries("episode", url, stats, head_len, missing_is_final, || {
            self.open_once(url, headers, head_len, stats)
        })
        .await
    }

    async fn open_once(
        &self,
        url: &Url,
        headers: &RequestHeaders,
        head_len: usize,
        stats: &FetchStats,
    ) -> Result<Opened, Attempt> {
        let req = headers
            .apply(self.client.get(url.clone()))
            .header(RANGE, format!("bytes=0-{}", head_len - 1));
        let (mut resp, shaping) = self.send_media(req, url).await?;
        let status = resp.status();
        if !status.is_success() {
            return Err(Attempt::Status(status));
        }
        let stall = self.config.limits.stall_timeout;
        let partial = status == StatusCode::PARTIAL_CONTENT;
        let mut expected = None;
        let total = if partial {
            let bad = |e: RangeProblem| Attempt::BadRange(e.to_string());
            let got = content_range(&resp).map_err(bad)?;
            expected = Some(check_range((0, head_len as u64), got).map_err(bad)?);
            got.2
        } else {
            resp.headers()
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|t| t.parse::<u64>().ok())
        };
        let mut head = BytesMut::new();
        let mut ended = false;
        let reading = self.link.body();
        while head.len() < head_len {
            let chunk = tokio::time::timeout(stall, resp.chunk())
                .await
                .map_err(|_| Attempt::Failed(format!("stalled: no data for {stall:?}")))?
                .map_err(|e| {
                    Attempt::Failed(format!(
                        "connection broken: {}",
                        error_chain(&e.without_url())
                    ))
                })?;
            match chunk {
                Some(c) => {
                    count_chunk(&reading, &shaping, stats, head.len(), c.len()).await?;
                    head.extend_from_slice(&c);
                }
                None => {
                    ended = true;
                    break;
                }
            }
        }
        if partial {
            // Fewer bytes than the Content-Range said, or more than asked.
            if expected != Some(head.len() as u64) {
                return Err(Attempt::BadRange(format!(
                    "{} bytes where Content-Range says {}",
                    head.len(),
                    expected.unwrap_or(0)
                )));
            }
            return Ok(Opened::Ranged {
                head: head.freeze(),
                total,
            });
        }
        Ok(Opened::Whole {
            head: head.freeze(),
            rest: (!ended).then(|| {
                Box::new(Body {
                    response: resp,
                    stall_timeout: stall,
                    url: url.clone(),
                    link: self.link.clone(),
                })
            }),
            content_length: total,
        })
    }
}
