//! `cargo craftkit render`: a JSON data file to a PDF.

use std::path::{Path, PathBuf};

use craftkit_core::api::{Render, is_plain_file_name};
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
    let path = match options.output {
        // A path the user chose: written beside it and renamed over whatever is there.
        Some(path) => {
            client
                .download_to_file(&render, &path)
                .await
                .map_err(|e| Failure::failed(e.to_string()))?;
            path
        }
        None => {
            let path = default_path(&render)?;
            write_new(&client, &render, &path).await?;
            path
        }
    };
    println!("{}", path.display());
    if let Some(url) = &render.download_url {
        println!("{url}");
    }
    Ok(())
}

/// Where a PDF goes without `-o`: the file name the server gave the render when it is a plain
/// file name (the rule the local server applies to `options.filename`), else `<render id>.pdf`,
/// in the current directory. A server's name is never taken as a path.
fn default_path(render: &Render) -> Result<PathBuf, Failure> {
    if is_plain_file_name(&render.filename) {
        return Ok(PathBuf::from(&render.filename));
    }
    let fallback = format!("{}.pdf", render.id);
    if !is_plain_file_name(&fallback) {
        return Err(Failure::failed(format!(
            "the server named the PDF {:?} and the render {:?}, neither a plain file name: \
             choose where to write it with `-o FILE`",
            render.filename, render.id
        )));
    }
    eprintln!(
        "warning: the server named the PDF {:?}, which is not a plain file name; writing {fallback}",
        render.filename
    );
    Ok(PathBuf::from(fallback))
}

/// Streams the PDF into a new file at `path`; an existing file is left alone and is an error
/// (the name came from the server, not from the user). A failed download removes what it wrote.
async fn write_new(
    client: &craftkit_runtime::Client,
    render: &Render,
    path: &Path,
) -> Result<(), Failure> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Failure::input(format!(
                    "{} already exists and is not overwritten: remove it, or choose where to \
                     write the PDF with `-o FILE` (render {})",
                    path.display(),
                    render.id
                ))
            } else {
                Failure::failed(format!("{}: {e}", path.display()))
            }
        })?;
    let mut file = tokio::fs::File::from_std(file);
    let written = client.download_to(render, &mut file).await;
    let synced = match written {
        Ok(_) => file.sync_all().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    drop(file);
    if let Err(message) = synced {
        let _ = std::fs::remove_file(path);
        return Err(Failure::failed(message));
    }
    Ok(())
}
