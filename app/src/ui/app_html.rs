//! An app's page as HTML text (SPEC R2, R5–R7): the one renderer of an
//! app's components. The released app at `/apps/{slug}` is this HTML and a
//! few lines of script, with no WebAssembly and no reactive runtime: end
//! users load less, and the server renders a page in a fraction of the
//! time (the README's benchmark). A preview embeds the same article in the
//! builder's page (`ui::runtime`), and the Queries panel its rows table.
//! Every text and attribute passes through `escape`.
use crate::domain::environment::colour_class;
use crate::domain::query::{cell_text, QueryResult};
use crate::domain::runtime::{Shown, ShownApp, ShownInput, INPUT_PREFIX};
use serde_json::Value;
use std::fmt::Write;

/// Appends `s` with the five characters that could end a text or a quoted
/// attribute written as references.
pub fn escape(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape(&mut out, s);
    out
}

/// A query's rows as a table.
pub fn rows_table(out: &mut String, columns: &[String], rows: &[Vec<Value>]) {
    out.push_str("<table><thead><tr>");
    for c in columns {
        out.push_str("<th>");
        escape(out, c);
        out.push_str("</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for v in r {
            out.push_str("<td>");
            match v {
                Value::String(s) => escape(out, s),
                other => escape(out, &cell_text(other)),
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// Where the page's forms post: the page itself, keeping its query.
pub fn own_address(app: &ShownApp) -> String {
    format!("{}{}", page_base(app), app.page)
}

/// The page's address without the page's name.
fn page_base(app: &ShownApp) -> String {
    if app.preview {
        format!(
            "/apps/{}/preview?env={}&version={}&page=",
            app.slug, app.environment, app.version_name
        )
    } else {
        format!("/apps/{}?page=", app.slug)
    }
}

/// The `<article>` of an app's page: the preview banner, the title, the
/// pages, the outcome of the last action, and the components. Forms post
/// to the page itself (`server::app_form`).
pub fn article(app: &ShownApp) -> String {
    let mut out = String::with_capacity(4096);
    let address = escaped(&own_address(app));
    out.push_str("<article class=\"released-app\" data-env=\"");
    escape(&mut out, &app.environment);
    out.push_str("\">");
    if app.preview {
        let _ = write!(
            out,
            "<div class=\"env-banner preview-banner {}\" data-testid=\"preview-banner\">Preview of <strong>",
            colour_class(&app.environment)
        );
        escape(&mut out, &app.version_name);
        out.push_str("</strong> in <strong>");
        escape(&mut out, &app.environment);
        out.push_str("</strong> (");
        escape(&mut out, &app.app_name);
        out.push_str(")</div>");
    }
    out.push_str("<h1>");
    escape(&mut out, &app.title);
    out.push_str("</h1>");
    if app.pages.len() > 1 {
        let base = page_base(app);
        out.push_str("<nav class=\"app-pages\">");
        for (name, title) in &app.pages {
            out.push_str("<a href=\"");
            escape(&mut out, &format!("{base}{name}"));
            out.push('"');
            if *name == app.page {
                out.push_str(" aria-current=\"page\"");
            }
            out.push('>');
            escape(&mut out, if title.is_empty() { name } else { title });
            out.push_str("</a> ");
        }
        out.push_str("</nav>");
    }
    if let Some(o) = &app.outcome {
        let class = if o.ok {
            "notice notice-ok"
        } else {
            "notice notice-error"
        };
        let _ = write!(
            out,
            "<p class=\"{class}\" role=\"status\" data-testid=\"outcome\">"
        );
        escape(&mut out, &o.message);
        out.push_str("</p>");
    }
    let _ = write!(
        out,
        "<form id=\"app-form\" method=\"post\" action=\"{address}\"></form>"
    );
    // The standalone inputs go with every form, so a form's post keeps them.
    let standalone: Vec<&ShownInput> = app
        .components
        .iter()
        .filter_map(|c| match c {
            Shown::Input { input, .. } => Some(input),
            _ => None,
        })
        .collect();
    for c in &app.components {
        component(&mut out, c, &address, &standalone);
    }
    out.push_str("</article>");
    out
}

fn field(out: &mut String, input: &ShownInput, form: Option<&str>) {
    out.push_str("<label>");
    escape(out, &input.label);
    out.push_str(" <input type=\"");
    escape(out, &input.input_type);
    out.push_str("\" name=\"");
    escape(out, &format!("{INPUT_PREFIX}{}", input.name));
    out.push_str("\" value=\"");
    escape(out, &input.value);
    out.push('"');
    if let Some(f) = form {
        let _ = write!(out, " form=\"{f}\"");
    }
    out.push_str("/></label>");
}

fn open(out: &mut String, tag: &str, id: &str) {
    let _ = write!(out, "<{tag} data-component=\"");
    escape(out, id);
    out.push_str("\">");
}

/// One component; `address` is escaped already.
fn component(out: &mut String, c: &Shown, address: &str, standalone: &[&ShownInput]) {
    match c {
        Shown::Heading { id, text } => {
            open(out, "h2", id);
            escape(out, text);
            out.push_str("</h2>");
        }
        Shown::Text { id, text } => {
            open(out, "p", id);
            escape(out, text);
            out.push_str("</p>");
        }
        Shown::Input { id, input } => {
            open(out, "div", id);
            field(out, input, Some("app-form"));
            out.push_str("</div>");
        }
        Shown::Button { id, label, query } => {
            open(out, "div", id);
            out.push_str("<button type=\"submit\" form=\"app-form\" name=\"run\" value=\"");
            escape(out, query);
            out.push_str("\">");
            escape(out, label);
            out.push_str("</button></div>");
        }
        Shown::Form {
            id,
            query,
            submit_label,
            inputs,
        } => {
            let _ = write!(
                out,
                "<form method=\"post\" action=\"{address}\" class=\"app-form grid-form\" data-component=\""
            );
            escape(out, id);
            out.push_str("\"><input type=\"hidden\" name=\"run\" value=\"");
            escape(out, query);
            out.push_str("\"/>");
            for i in standalone {
                out.push_str("<input type=\"hidden\" name=\"");
                escape(out, &format!("{INPUT_PREFIX}{}", i.name));
                out.push_str("\" value=\"");
                escape(out, &i.value);
                out.push_str("\"/>");
            }
            for input in inputs {
                field(out, input, None);
            }
            out.push_str("<button type=\"submit\" class=\"primary\">");
            escape(
                out,
                if submit_label.is_empty() {
                    "Submit"
                } else {
                    submit_label
                },
            );
            out.push_str("</button></form>");
        }
        Shown::Table { id, query, result } => {
            out.push_str("<section class=\"app-table\" data-component=\"");
            escape(out, id);
            out.push_str("\" data-query=\"");
            escape(out, query);
            out.push_str("\">");
            match result {
                None => {
                    out.push_str("<p class=\"muted\">");
                    escape(
                        out,
                        &format!("{query} has not run (it does not run on load)."),
                    );
                    out.push_str("</p>");
                }
                Some(Err(message)) => {
                    out.push_str("<p class=\"notice notice-error\" role=\"alert\">");
                    escape(out, &format!("{query}: {message}"));
                    out.push_str("</p>");
                }
                Some(Ok(QueryResult::Sql {
                    columns,
                    rows,
                    truncated,
                    ..
                })) => {
                    rows_table(out, columns, rows);
                    if *truncated {
                        out.push_str("<p class=\"muted\">Only the first 1,000 rows are shown.</p>");
                    }
                }
                Some(Ok(QueryResult::Rest { body, .. })) => {
                    out.push_str("<pre>");
                    escape(out, &serde_json::to_string_pretty(body).unwrap_or_default());
                    out.push_str("</pre>");
                }
            }
            out.push_str("</section>");
        }
    }
}

/// With JavaScript on, a released page's forms answer in place: the form
/// is posted as the browser would post it, and the answer's article
/// replaces the page's. `data-hydrated` says the page is ready, as on the
/// builder's pages.
/// An answer that is no app page (an error, the sign-in page) is shown
/// whole, never posted again: the action may have run. Only a post that
/// never left falls back to the browser's own.
const IN_PLACE: &str = r#"<script>
document.body.setAttribute("data-hydrated", "true");
document.addEventListener("submit", async (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !document.querySelector("article.released-app")) return;
  e.preventDefault();
  const body = new URLSearchParams(new FormData(form));
  const by = e.submitter;
  if (by && by.name) body.append(by.name, by.value);
  let res;
  try {
    res = await fetch(form.action, { method: "POST", body, headers: { accept: "text/html" } });
  } catch (_) {
    HTMLFormElement.prototype.submit.call(form);
    return;
  }
  if (res.redirected) { location.href = res.url; return; }
  const doc = new DOMParser().parseFromString(await res.text(), "text/html");
  const next = doc.querySelector("article.released-app");
  if (next) {
    document.querySelector("article.released-app").replaceWith(next);
    document.title = doc.title;
  } else {
    document.documentElement.replaceWith(document.adoptNode(doc.documentElement));
  }
});
</script>"#;

fn document(out: &mut String, title: &str, stylesheet: &str) {
    out.push_str("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><link rel=\"stylesheet\" href=\"");
    escape(out, stylesheet);
    out.push_str("\"/><title>");
    escape(out, title);
    out.push_str("</title></head><body><main class=\"page\">");
}

/// The whole released page: the app's own title and its article, no
/// builder chrome (R5).
pub fn released_page(app: &ShownApp, stylesheet: &str) -> String {
    let body = article(app);
    let mut out = String::with_capacity(body.len() + 2048);
    document(&mut out, &app.title, stylesheet);
    out.push_str(&body);
    out.push_str("</main>");
    out.push_str(IN_PLACE);
    out.push_str("</body></html>");
    out
}

/// The heading of an error page (the builder's pages' too).
pub fn error_title(status: u16) -> &'static str {
    match status {
        401 => "Please sign in",
        403 => "Not allowed",
        404 => "Not found",
        _ => "Something went wrong",
    }
}

/// The page of an address that shows no app: why (as the builder's error
/// page says it), and the way home.
pub fn refusal_page(status: u16, message: &str, stylesheet: &str) -> String {
    let title = error_title(status);
    let mut out = String::with_capacity(1024);
    document(&mut out, &format!("{title} · Stagecraft"), stylesheet);
    let _ = write!(out, "<section class=\"error-page\"><h1>{title}</h1><p>");
    escape(&mut out, message);
    out.push_str(
        "</p><p><a href=\"/\">Back to the start page</a></p></section></main></body></html>",
    );
    out
}
