//! One file's pieces besides its payload: the chunk size, the sealed metadata and the upload
//! layout.

use js_sys::{Object, Reflect};
use sealdrop_core::metadata::{open_metadata, seal_metadata, Metadata};
use wasm_bindgen::prelude::*;

use super::{file_keys, from_js, js_u64, to_js, Result};
use crate::error::SealdropError;

/// The chunk size (log2) new files use unless the caller picks another.
#[wasm_bindgen(js_name = defaultLog2Chunk)]
pub fn default_log2_chunk() -> u8 {
    sealdrop_core::header::DEFAULT_LOG2_CHUNK
}

/// Seals `{name, size, type, modified}` for the file with this secret and header.
#[wasm_bindgen(js_name = sealMetadata)]
pub fn seal_metadata_js(file_secret: &[u8], header: &[u8], metadata: JsValue) -> Result<Vec<u8>> {
    let (keys, header) = file_keys(file_secret, header)?;
    let metadata: Metadata = from_js(metadata, "the file metadata")?;
    Ok(seal_metadata(
        &keys.metadata_key,
        &header.to_bytes(),
        &metadata,
    ))
}

#[wasm_bindgen(js_name = openMetadata)]
pub fn open_metadata_js(file_secret: &[u8], header: &[u8], sealed: &[u8]) -> Result<JsValue> {
    let (keys, header) = file_keys(file_secret, header)?;
    to_js(&open_metadata(
        &keys.metadata_key,
        &header.to_bytes(),
        sealed,
    )?)
}

/// The upload geometry of a file of `plaintext_size` bytes: its payload length and how that
/// payload is cut into upload parts (`chunks_per_part` 0 picks the format's smallest `k`).
#[wasm_bindgen(js_name = uploadLayout)]
pub fn upload_layout(plaintext_size: f64, log2_chunk: u8, chunks_per_part: f64) -> Result<JsValue> {
    let size = js_u64(plaintext_size, "the file size")?;
    let payload = sealdrop_core::layout::PayloadLayout::for_plaintext(log2_chunk, size)?;
    let parts = match js_u64(chunks_per_part, "the chunks per part")? {
        0 => sealdrop_core::layout::PartLayout::minimal(log2_chunk),
        k => sealdrop_core::layout::PartLayout::with_chunks_per_part(log2_chunk, k)
            .ok_or_else(|| SealdropError::bad_input("the chunks per part"))?,
    };
    let layout = Object::new();
    for (name, value) in [
        ("payloadSize", payload.payload_len()),
        ("chunksPerPart", parts.chunks_per_part()),
        ("partSize", parts.part_len()),
        ("partCount", parts.part_count(payload.payload_len())),
    ] {
        Reflect::set(&layout, &name.into(), &(value as f64).into())
            .map_err(|_| SealdropError::bad_input("the layout"))?;
    }
    Ok(layout.into())
}
