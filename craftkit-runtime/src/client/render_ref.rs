//! [`RenderRef`]: how every call that is about one render names it.

use craftkit_core::api::Render;

use super::render::RenderHandle;

/// The render a call is about: its id, or the render itself. Every call of the client that
/// is about one render takes `impl Into<RenderRef>`, so each accepts the same four forms: an id
/// (`"rnd_…"`, a `&String`), a [`Render`], or a [`RenderHandle`] (the blocking client's handle
/// too).
///
/// A call that needs more than the id ([`Client::download`](super::Client::download) needs
/// the render's status and `downloadUrl`) uses a render it is given as it is, and fetches the
/// render first when it is given only an id.
///
/// ```no_run
/// # async fn f(client: craftkit_runtime::Client, render: craftkit_runtime::client::Render) -> Result<(), craftkit_runtime::client::Error> {
/// // The same call with each form.
/// let link = client.share(&render, Some("for the charterer")).await?;
/// let links = client.shares(&render.id).await?;
/// let again = client.get_render("rnd_8kW1zP").await?;
/// let pdf = client.download("rnd_8kW1zP").await?; // fetches the render, then its PDF
/// # let _ = (link, links, again, pdf); Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum RenderRef<'a> {
    /// A render's id (`rnd_…`).
    Id(&'a str),
    /// A render as the API answered it.
    Render(&'a Render),
}

impl<'a> RenderRef<'a> {
    /// The render's id.
    pub fn id(&self) -> &'a str {
        match self {
            RenderRef::Id(id) => id,
            RenderRef::Render(render) => &render.id,
        }
    }

    /// The render, when it was given rather than its id.
    pub fn render(&self) -> Option<&'a Render> {
        match self {
            RenderRef::Id(_) => None,
            RenderRef::Render(render) => Some(render),
        }
    }
}

impl<'a> From<&'a str> for RenderRef<'a> {
    fn from(id: &'a str) -> RenderRef<'a> {
        RenderRef::Id(id)
    }
}

impl<'a> From<&'a String> for RenderRef<'a> {
    fn from(id: &'a String) -> RenderRef<'a> {
        RenderRef::Id(id)
    }
}

impl<'a> From<&'a Render> for RenderRef<'a> {
    fn from(render: &'a Render) -> RenderRef<'a> {
        RenderRef::Render(render)
    }
}

impl<'a> From<&'a RenderHandle> for RenderRef<'a> {
    /// The render as it was accepted.
    fn from(handle: &'a RenderHandle) -> RenderRef<'a> {
        RenderRef::Render(handle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_names_the_same_render() {
        let render: Render = serde_json::from_value(serde_json::json!({
            "id": "rnd_1", "object": "render", "template": "invoice", "templateVersion": 1,
            "status": "queued", "visibility": "private",
            "createdAt": "2026-01-01T00:00:00.000Z", "filename": "invoice.pdf",
        }))
        .unwrap();
        let owned = String::from("rnd_1");
        let forms = [
            RenderRef::from("rnd_1"),
            RenderRef::from(&owned),
            RenderRef::from(&render),
        ];
        for form in forms {
            assert_eq!(form.id(), "rnd_1");
        }
        assert_eq!(RenderRef::from("rnd_1").render(), None);
        assert_eq!(RenderRef::from(&render).render(), Some(&render));
    }
}
