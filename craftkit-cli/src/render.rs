//! `cargo craftkit render`: a JSON data file to a PDF.

use std::path::{Path, PathBuf};

use craftkit_core::api::{Render, is_plain_file_name};
use craftkit_runtime::client::Visibility;

use crate::api::Api;
use crate::{Failure, batch};

/// The arguments of `render`: one data file, or a JSON-lines file with `--batch` (then
/// [`batch::run`] does the work).
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The template.
    pub slug: String,
    /// The `data` as a JSON file.
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    pub data: Option<PathBuf>,
    /// Where to write the PDF, replacing the file there (default: the file name the server
    /// gave the render when it is a plain file name, else RENDER_ID.pdf, in the current
    /// directory; an existing file is then an error, never overwritten).
    #[arg(short, long, conflicts_with = "batch")]
    pub output: Option<PathBuf>,
    /// Print the render id and return without waiting (with --batch: queue every line,
    /// wait for none).
    #[arg(long, conflicts_with = "out")]
    pub no_wait: bool,
    /// The Idempotency-Key (default: a fresh one).
    #[arg(long, conflicts_with = "batch")]
    pub idempotency_key: Option<String>,
    #[command(flatten)]
    pub batch: batch::Flags,
    /// A private render (no public downloadUrl).
    #[arg(long)]
    pub private: bool,
    #[command(flatten)]
    pub api: Api,
}

/// Renders the data file (or, with `--batch`, every line of the batch file).
pub(crate) async fn run(args: Args) -> Result<(), Failure> {
    match (&args.batch.file, &args.data) {
        (Some(file), _) => batch::run(&args, file).await,
        (None, Some(data)) => one(&args, data).await,
        // clap requires one of them; this is for a caller that built `Args` itself.
        (None, None) => Err(Failure::input(
            "render needs a DATA.json file or --batch FILE.jsonl",
        )),
    }
}

/// Renders one data file and writes (or, with `--no-wait`, only names) the PDF.
async fn one(args: &Args, data_file: &Path) -> Result<(), Failure> {
    let client = args.api.client()?;
    // At most the API's limit for a request body, which a larger file could not be sent in.
    let text = crate::files::read_text(data_file)
        .map_err(|e| Failure::input(format!("{}: {e}", data_file.display())))?;
    let data: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Failure::input(format!(
            "{}:{}:{}: not JSON: {e}",
            data_file.display(),
            e.line(),
            e.column()
        ))
    })?;
    let mut request = client.render_json(&args.slug, data);
    if let Some(key) = &args.idempotency_key {
        request = request.idempotency_key(key);
    }
    if args.private {
        request = request.visibility(Visibility::Private);
    }
    let handle = request
        .send()
        .await
        .map_err(|e| Failure::input(e.to_string()))?;
    println!("{}", handle.id);
    if args.no_wait {
        return Ok(());
    }
    let render = handle
        .wait()
        .await
        .map_err(|e| Failure::failed(e.to_string()))?;
    let path = match args.output.clone() {
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
