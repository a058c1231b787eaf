//! One page shape for the lists of the back office (approvals, evaluation, escalations,
//! alerts, reports, publications, audit, staff, members, calendars): a table whose rows may
//! carry small forms, with links above it.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::frame::{Frame, html};
use super::session::{OrPage, PageError, Refused, Session};

/// One cell: text, optionally a link, a badge style or a second, quieter line.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub badge: Option<&'static str>,
    pub note: Option<String>,
    /// Further links under the text (href, label), e.g. the disputes an alert names.
    pub links: Vec<(String, String)>,
}

impl Cell {
    /// Plain text.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// A link.
    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: Some(href.into()),
            ..Self::default()
        }
    }

    /// A badge: `ok`, `warn`, `bad` or `` (neutral).
    pub fn badge(text: impl Into<String>, style: &'static str) -> Self {
        Self {
            text: text.into(),
            badge: Some(style),
            ..Self::default()
        }
    }

    /// The cell with a second line.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// A field of a row's form: a text input, or a choice when it has options.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: &'static str,
    pub label: String,
    pub required: bool,
    pub options: Vec<(String, String)>,
    /// The value the field shows first.
    pub value: String,
    /// Why the field failed when its form was refused, shown beside it.
    pub error: Option<String>,
    /// The text field's kind: an `<input>` type (`text`, `date`, `datetime-local`, `number`)
    /// or `textarea` for several lines.
    pub kind: &'static str,
}

/// A small form on a row (one button, perhaps one field).
#[derive(Debug, Clone)]
pub struct RowForm {
    pub action: String,
    pub button: String,
    pub hidden: Vec<(&'static str, String)>,
    pub inputs: Vec<Input>,
    /// A search: sent with GET, without the form token.
    pub get: bool,
    /// `` or `secondary` or `danger`.
    pub style: &'static str,
    /// A heading above the form, for a form that stands on its own (not on a table's row).
    pub title: Option<String>,
    /// Each field's name shown above it (not only inside it), for a form of several fields.
    pub labelled: bool,
}

/// A row of the table.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub cells: Vec<Cell>,
    pub forms: Vec<RowForm>,
}

#[derive(Template)]
#[template(path = "portal/table.html")]
struct TablePage {
    f: Frame,
    intro: Option<String>,
    links: Vec<(String, String)>,
    headers: Vec<String>,
    rows: Vec<Row>,
    empty: String,
    next: Option<String>,
    forms: Vec<RowForm>,
    extra: Option<String>,
}

impl TablePage {
    /// The name of column `n`, which a phone shows above the cell (none past the last).
    fn column(&self, n: impl std::borrow::Borrow<usize>) -> &str {
        self.headers.get(*n.borrow()).map_or("", String::as_str)
    }
}

/// A list page under construction.
pub struct Listing {
    pub frame: Frame,
    pub intro: Option<String>,
    pub links: Vec<(String, String)>,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    pub empty: String,
    pub next: Option<String>,
    /// Forms above the table (create, upload).
    pub forms: Vec<RowForm>,
    /// Markup this server generated (a chart), shown under the table.
    pub extra: Option<String>,
}

impl Listing {
    /// An empty list with the title and column headers `title` and `headers` (message ids).
    pub fn new(frame: Frame, title: &'static str, headers: &[&'static str]) -> Self {
        let l = frame.l;
        Self {
            empty: l.s("nothing-to-show").into(),
            headers: headers.iter().map(|id| l.s(id).to_string()).collect(),
            frame: frame.titled(title),
            intro: None,
            links: Vec::new(),
            rows: Vec::new(),
            next: None,
            forms: Vec::new(),
            extra: None,
        }
    }

    /// Links the page that says how figures are counted (for pages that show figures).
    pub fn link_figures_help(&mut self) {
        let label = self.s("how-figures-are-counted");
        self.links
            .push((super::public::FIGURES_HELP.to_string(), label));
    }

    /// The message `id` in the page's language.
    pub fn s(&self, id: &'static str) -> String {
        self.frame.s(id).to_string()
    }

    /// A form on a row with the page's form token.
    pub fn form(
        &self,
        action: impl Into<String>,
        button: &'static str,
        style: &'static str,
    ) -> RowForm {
        RowForm {
            action: action.into(),
            button: self.s(button),
            hidden: Vec::new(),
            inputs: Vec::new(),
            get: false,
            style,
            title: None,
            labelled: false,
        }
    }

    /// A search form (GET) to `action`.
    pub fn search(&self, action: impl Into<String>, button: &'static str) -> RowForm {
        RowForm {
            get: true,
            ..self.form(action, button, "secondary")
        }
    }

    /// The page.
    pub fn render(mut self, s: &Session, status: StatusCode) -> Result<HttpResponse, PageError> {
        self.mark_refused(&s.refused);
        let page = TablePage {
            f: self.frame,
            intro: self.intro,
            links: self.links,
            headers: self.headers,
            rows: self.rows,
            empty: self.empty,
            next: self.next,
            forms: self.forms,
            extra: self.extra,
        };
        html(status, page.render()).or_page(s)
    }
}

impl Listing {
    /// Shows a refused form again in the page's forms ([`mark_refused`]).
    fn mark_refused(&mut self, refused: &Refused) {
        let forms = self
            .forms
            .iter_mut()
            .chain(self.rows.iter_mut().flat_map(|row| row.forms.iter_mut()));
        mark_refused(forms, refused, &mut self.frame);
    }
}

/// Shows a refused form again (docs/architecture.md#refused-forms): in `forms`, those that sent
/// it (its action, and its hidden values when what was typed is known) show each field with
/// what was typed and why it failed. The failures no field shows go in the notice of `frame`.
pub fn mark_refused<'a>(
    forms: impl Iterator<Item = &'a mut RowForm>,
    refused: &Refused,
    frame: &mut Frame,
) {
    if refused.fields.is_empty() && refused.typed.is_empty() {
        return;
    }
    let typed = |name: &str| {
        refused
            .typed
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
    };
    let mut shown = Vec::new();
    for form in forms {
        let action = form.action.split('?').next().unwrap_or_default();
        let sent = !form.get
            && action == refused.action
            && form
                .hidden
                .iter()
                .all(|(name, value)| typed(name).is_none_or(|typed| &typed == value));
        if !sent {
            continue;
        }
        for input in &mut form.inputs {
            if let Some(value) = typed(input.name) {
                input.value = value;
            }
            input.error = refused.fields.get(input.name).map(str::to_string);
            shown.push(input.name);
        }
    }
    let elsewhere = refused.fields.not_at(&shown);
    if let (false, Some(notice)) = (elsewhere.is_empty(), frame.notice.as_mut()) {
        for sentence in elsewhere {
            notice.text.push(' ');
            notice.text.push_str(sentence);
        }
    }
}

impl RowForm {
    /// The form with a heading and each field's name shown above it.
    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self.labelled = true;
        self
    }

    /// The form with a hidden value.
    pub fn hidden(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.hidden.push((name, value.into()));
        self
    }

    /// The form with a text field.
    pub fn field(mut self, name: &'static str, label: String, required: bool) -> Self {
        self.inputs.push(Input {
            name,
            label,
            required,
            options: Vec::new(),
            value: String::new(),
            error: None,
            kind: "text",
        });
        self
    }

    /// The form with an optional text field showing `value`.
    pub fn prefilled(mut self, name: &'static str, label: String, value: String) -> Self {
        self.inputs.push(Input {
            name,
            label,
            required: false,
            options: Vec::new(),
            value,
            error: None,
            kind: "text",
        });
        self
    }

    /// The form with a choice (its first option may be an empty value: none chosen).
    pub fn choice(
        mut self,
        name: &'static str,
        label: String,
        options: Vec<(String, String)>,
    ) -> Self {
        self.inputs.push(Input {
            name,
            label,
            required: true,
            options,
            value: String::new(),
            error: None,
            kind: "text",
        });
        self
    }

    /// The form with its last text field of `kind` (see [`Input::kind`]).
    pub fn of_kind(mut self, kind: &'static str) -> Self {
        if let Some(input) = self.inputs.last_mut() {
            input.kind = kind;
        }
        self
    }

    /// The form with its last choice showing `value` chosen (none when empty).
    pub fn chosen(mut self, value: Option<String>) -> Self {
        if let Some(input) = self.inputs.last_mut() {
            input.value = value.unwrap_or_default();
        }
        self
    }
}
