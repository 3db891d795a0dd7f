//! Both ends of the JSON-RPC transport.
//!
//! In: a guard in front of the transport library. Frames whose body is not JSON, or whose
//! header is broken, are dropped here. The library ends its input stream at the first
//! undecodable frame, which would leave the server deaf; one bad frame must cost only itself.
//!
//! Out: the library's frames and the server's own pre-serialized ones ([`Outbox`]), written
//! whole, one after another. The library sends a notification as a `serde_json::Value` tree,
//! built and dropped per message; for the diagnostics of a large file (1,429 findings, 790 KB)
//! that tree cost more than the analysis did.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::mpsc;

/// Frames larger than this are refused rather than buffered.
const MAX_FRAME: usize = 512 * 1024 * 1024;

/// Reads `input`, forwards well-formed frames to the returned stream, and reports each dropped
/// frame through `dropped`.
pub(crate) fn checked<R>(input: R, dropped: impl Fn(String) + Send + 'static) -> DuplexStream
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let (reader, mut writer) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        let mut input = BufReader::new(input);
        loop {
            let Some(length) = read_header(&mut input).await else { return };
            let Some(length) = length.filter(|l| *l <= MAX_FRAME) else {
                dropped("a message without a valid Content-Length header was dropped".to_owned());
                continue;
            };
            let mut body = vec![0; length];
            if input.read_exact(&mut body).await.is_err() {
                return;
            }
            if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
                dropped(format!("a {length}-byte message that is not JSON was dropped"));
                continue;
            }
            let header = format!("Content-Length: {length}\r\n\r\n");
            if writer.write_all(header.as_bytes()).await.is_err() || writer.write_all(&body).await.is_err() {
                return;
            }
        }
    });
    reader
}

/// Reads a frame's header lines up to the blank line that ends them: `None` at the end of the
/// stream, else the `Content-Length` (`None` when missing or not a number).
async fn read_header<R: AsyncRead + Unpin>(input: &mut BufReader<R>) -> Option<Option<usize>> {
    let mut length = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                return Some(length);
            }
            continue;
        }
        saw_header = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
}

/// Reads one frame from `input`, returned whole with its header; `None` at the end of the
/// stream or on a frame that cannot be read.
async fn read_frame<R: AsyncRead + Unpin>(input: &mut BufReader<R>) -> Option<Vec<u8>> {
    let length = read_header(input).await??;
    let header = format!("Content-Length: {length}\r\n\r\n");
    let mut frame = Vec::with_capacity(header.len() + length);
    frame.extend_from_slice(header.as_bytes());
    frame.resize(header.len() + length, 0);
    input.read_exact(&mut frame[header.len()..]).await.ok()?;
    Some(frame)
}

/// Sends notifications the server serialized itself, each written whole between the transport
/// library's frames.
#[derive(Clone)]
pub(crate) struct Outbox {
    frames: mpsc::UnboundedSender<Vec<u8>>,
}

impl Outbox {
    /// Sends a JSON-RPC notification whose `params` are already JSON.
    pub fn notify(&self, method: &str, params: &[u8]) {
        let body_prefix = format!("{{\"jsonrpc\":\"2.0\",\"method\":\"{method}\",\"params\":");
        let length = body_prefix.len() + params.len() + 1;
        let header = format!("Content-Length: {length}\r\n\r\n");
        let mut frame = Vec::with_capacity(header.len() + length);
        frame.extend_from_slice(header.as_bytes());
        frame.extend_from_slice(body_prefix.as_bytes());
        frame.extend_from_slice(params);
        frame.push(b'}');
        // The writer is gone only once the server is exiting; nothing is waiting for this.
        let _ = self.frames.send(frame);
    }
}

/// The output side: the stream to hand the transport library, the [`Outbox`], and a task that
/// ends once the library's stream has ended and everything it wrote has reached `output`.
pub(crate) fn outgoing<W>(output: W) -> (DuplexStream, Outbox, tokio::task::JoinHandle<()>)
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (library_end, our_end) = tokio::io::duplex(1 << 20);
    let (sender, mut frames) = mpsc::unbounded_channel::<Vec<u8>>();
    let library_frames = sender.clone();
    tokio::spawn(async move {
        let mut input = BufReader::new(our_end);
        while let Some(frame) = read_frame(&mut input).await {
            if library_frames.send(frame).is_err() {
                return;
            }
        }
        // The library is done (`exit`): an empty frame tells the writer to stop after what
        // was queued before it.
        let _ = library_frames.send(Vec::new());
    });
    let writer = tokio::spawn(async move {
        let mut output = output;
        while let Some(frame) = frames.recv().await {
            if frame.is_empty() || output.write_all(&frame).await.is_err() || output.flush().await.is_err() {
                break;
            }
        }
        let _ = output.flush().await;
    });
    (library_end, Outbox { frames: sender }, writer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drops_bad_frames_and_keeps_good_ones() {
        let input: &[u8] = b"Content-Length: 12\r\n\r\n{not json!!}Content-Length: 2\r\n\r\n{}X-Junk: 1\r\n\r\nContent-Length: 4\r\n\r\nnull";
        let dropped = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = dropped.clone();
        let mut output = checked(input, move |m| seen.lock().unwrap().push(m));
        let mut forwarded = String::new();
        output.read_to_string(&mut forwarded).await.unwrap();
        assert_eq!(forwarded, "Content-Length: 2\r\n\r\n{}Content-Length: 4\r\n\r\nnull");
        assert_eq!(dropped.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn our_frames_go_out_whole_between_the_librarys_frames() {
        let (output, mut read_back) = tokio::io::duplex(1 << 16);
        let (mut library, outbox, writer) = outgoing(output);
        // A library frame written in pieces, with one of ours queued in the middle of it.
        library.write_all(b"Content-Length: 7\r\n\r\n{\"a\"").await.unwrap();
        library.flush().await.unwrap();
        tokio::task::yield_now().await;
        outbox.notify("m", b"[1]");
        library.write_all(b":1}Content-Length: 2\r\n\r\n{}").await.unwrap();
        drop(library);
        writer.await.unwrap();
        let mut written = String::new();
        read_back.read_to_string(&mut written).await.unwrap();
        let ours = "Content-Length: 43\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":[1]}";
        let frames = ["Content-Length: 7\r\n\r\n{\"a\":1}", "Content-Length: 2\r\n\r\n{}"];
        // Ours may come before, between or after the library's, but never inside one.
        let candidates = [
            format!("{ours}{}{}", frames[0], frames[1]),
            format!("{}{ours}{}", frames[0], frames[1]),
            format!("{}{}{ours}", frames[0], frames[1]),
        ];
        assert!(candidates.contains(&written), "{written:?}");
    }
}
