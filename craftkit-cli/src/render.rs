//! `cargo craftkit render`: a JSON data file to a PDF.

use std::path::PathBuf;

use craftkit_runtime::client::Visibility;

use crate::{Api, Failure};

pub(crate) struct Options {
    pub slug: String,
    pub data: PathBuf,
    pub output: Option<PathBuf>,
    pub no_wait: bool,
    pub idempotency_key: Option<String>,
    pub private: bool,
}

pub(crate) async fn run(options: Options, api: &Api) -> Result<(), Failure> {
    let client = api.client()?;
    let text = std::fs::read_to_string(&options.data)
        .map_err(|e| Failure::input(format!("{}: {e}", options.data.display())))?;
    let data: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Failure::input(format!(
            "{}:{}:{}: not JSON: {e}",
            options.data.display(),
            e.line(),
            e.column()
        ))
    })?;
    let mut request = client.render_json(&options.slug, data);
    if let Some(key) = options.idempotency_key {
        request = request.idempotency_key(key);
    }
    if options.private {
        request = request.visibility(Visibility::Private);
    }
    let handle = request
        .send()
        .await
        .map_err(|e| Failure::input(e.to_string()))?;
    println!("{}", handle.id);
    if options.no_wait {
        return Ok(());
    }
    let render = handle
        .wait()
        .await
        .map_err(|e| Failure::failed(e.to_string()))?;
    let path = options
        .output
        .unwrap_or_else(|| PathBuf::from(&render.filename));
    client
        .download_to_file(&render, &path)
        .await
        .map_err(|e| Failure::failed(e.to_string()))?;
    println!("{}", path.display());
    if let Some(url) = &render.download_url {
        println!("{url}");
    }
    Ok(())
}
