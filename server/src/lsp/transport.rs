//! A guard in front of the JSON-RPC transport: frames whose body is not JSON, or whose header
//! is broken, are dropped here. The transport library ends its input stream at the first
//! undecodable frame, which would leave the server deaf; one bad frame must cost only itself.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};

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
            let mut length: Option<usize> = None;
            let mut saw_header = false;
            loop {
                let mut line = String::new();
                match input.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let line = line.trim_end_matches(['\r', '\n']);
                if line.is_empty() {
                    if saw_header {
                        break;
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
            let Some(length) = length.filter(|l| *l <= MAX_FRAME) else {
                dropped("a message without a valid Content-Length header was dropped".to_owned());
                continue;
            };
            let mut body = vec![0; length];
            if input.read_exact(&mut body).await.is_err() {
                return;
            }
            if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
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
}
