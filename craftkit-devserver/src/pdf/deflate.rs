//! Stream compression, shared by the page contents, fonts and images (a module of its own so
//! that none of them imports another for it).

/// zlib-compresses a stream, fast for large ones.
pub(crate) fn compress(data: &[u8]) -> Vec<u8> {
    let level = if data.len() > (1 << 20) { 1 } else { 6 };
    miniz_oxide::deflate::compress_to_vec_zlib(data, level)
}
