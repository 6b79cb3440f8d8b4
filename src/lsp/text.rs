//! Positions and file addresses in the protocol's terms: a position is a line and a column
//! in UTF-16 code units; a document is a `file:` URI whose path is percent-encoded.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{Position, Uri};

/// The protocol position of byte `offset` in `text` (an offset inside a character counts
/// from that character's start).
#[must_use]
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before[..line_start].matches('\n').count();
    let column: usize = before[line_start..].chars().map(char::len_utf16).sum();
    Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        character: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

/// The byte offset of a protocol position in `text`: past the end of its line, the line's
/// end; past the last line, the text's end.
#[must_use]
pub fn offset(text: &str, position: Position) -> usize {
    let mut start = 0;
    for _ in 0..position.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line = &text[start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= position.character as usize {
            return start + i;
        }
        units += c.len_utf16();
    }
    start + line.len()
}

/// The path a `file:` URI names (percent-decoded); `None` for another scheme or a path that
/// is not UTF-8 once decoded.
#[must_use]
pub fn path_of_uri(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path`: only the local host.
    let path = if rest.starts_with('/') {
        rest
    } else {
        let (host, path) = rest.split_at(rest.find('/')?);
        if host != "localhost" {
            return None;
        }
        path
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let mut bytes = Vec::with_capacity(path.len());
    let raw = path.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            let hex = std::str::from_utf8(&raw[i + 1..i + 3]).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    Some(PathBuf::from(String::from_utf8(bytes).ok()?))
}

/// The `file:` URI of an absolute path, every byte outside the unreserved ones and `/`
/// percent-encoded.
#[must_use]
pub fn uri_of_path(path: &Path) -> Option<Uri> {
    let path = path.to_str()?;
    if !path.starts_with('/') {
        return None;
    }
    let mut uri = String::from("file://");
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    Uri::from_str(&uri).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        let text = "ab\n\u{1F600}x\né";
        let at = |line, character| Position { line, character };
        assert_eq!(position(text, 0), at(0, 0));
        assert_eq!(position(text, 3), at(1, 0));
        // The emoji is 4 bytes and 2 UTF-16 units.
        assert_eq!(position(text, 7), at(1, 2));
        assert_eq!(position(text, 9), at(2, 0));
        // Inside a character: from its start.
        assert_eq!(position(text, 10), at(2, 0));
        assert_eq!(position(text, text.len()), at(2, 1));
        for byte in [0, 1, 3, 7, 8, 9, 11] {
            assert_eq!(offset(text, position(text, byte)), byte);
        }
        // Past a line's end, its end; past the last line, the text's end.
        assert_eq!(offset(text, at(0, 99)), 2);
        assert_eq!(offset(text, at(9, 0)), text.len());
    }

    #[test]
    fn file_uris_round_trip_with_spaces_and_non_ascii() {
        let path = Path::new("/tmp/my segments/ünïcode#1.seg");
        let uri = uri_of_path(path).expect("a URI");
        assert_eq!(
            uri.as_str(),
            "file:///tmp/my%20segments/%C3%BCn%C3%AFcode%231.seg"
        );
        assert_eq!(path_of_uri(&uri).as_deref(), Some(path));
        let other = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(path_of_uri(&other), None);
        assert_eq!(uri_of_path(Path::new("relative.seg")), None);
    }
}
