//! A bounded element tree read with quick-xml: what the VAST reader walks.
//! No DTD (a `<!DOCTYPE>` is refused, so no entity can be declared), no
//! entity but XML's five and character references, and every size, depth
//! and count bounded, so a hostile ad server's answer costs at most
//! [`MAX_DOCUMENT`] bytes and [`MAX_ELEMENTS`] small allocations.

use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// The largest VAST document read (real ones are a few KiB; a pod of five
/// with wrappers' trackers stays far below this).
pub const MAX_DOCUMENT: usize = 256 * 1024;
/// Elements nested deeper than this are refused (VAST's deepest path is 9).
pub const MAX_DEPTH: usize = 24;
/// Elements in one document.
pub const MAX_ELEMENTS: usize = 4096;
/// Attributes on one element.
pub const MAX_ATTRIBUTES: usize = 32;
/// Characters of text in one element (a URL is bounded tighter by the reader).
pub const MAX_TEXT: usize = 16 * 1024;

/// One element: its local name (namespace prefixes dropped), attributes,
/// text (CDATA included, trimmed) and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Children named `name`, in document order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn first(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Why a document could not be read as XML, with the byte offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {problem}")]
pub struct XmlError {
    pub offset: u64,
    pub problem: String,
}

/// Reads `text` into its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    if text.len() > MAX_DOCUMENT {
        return Err(XmlError {
            offset: MAX_DOCUMENT as u64,
            problem: format!(
                "the document is {} bytes, over the limit of {MAX_DOCUMENT}",
                text.len()
            ),
        });
    }
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.trim_text(false);
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let at = reader.buffer_position();
        let fail = |problem: String| XmlError {
            offset: at,
            problem,
        };
        let event = reader.read_event().map_err(|e| fail(e.to_string()))?;
        match event {
            Event::Start(start) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(fail(format!("more than {MAX_ELEMENTS} elements")));
                }
                if open.len() >= MAX_DEPTH {
                    return Err(fail(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                if root.is_some() {
                    return Err(fail("content after the root element".into()));
                }
                open.push(element(&start).map_err(fail)?);
            }
            Event::Empty(start) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(fail(format!("more than {MAX_ELEMENTS} elements")));
                }
                if root.is_some() {
                    return Err(fail("content after the root element".into()));
                }
                let done = element(&start).map_err(fail)?;
                close(&mut open, &mut root, done);
            }
            Event::End(_) => {
                let Some(mut done) = open.pop() else {
                    return Err(fail("a closing tag with nothing open".into()));
                };
                let trimmed = done.text.trim();
                if trimmed.len() != done.text.len() {
                    done.text = trimmed.to_owned();
                }
                close(&mut open, &mut root, done);
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|e| fail(e.to_string()))?;
                add_text(&mut open, &s).map_err(fail)?;
            }
            Event::CData(t) => {
                let s = t.xml10_content().map_err(|e| fail(e.to_string()))?;
                add_text(&mut open, &s).map_err(fail)?;
            }
            Event::GeneralRef(r) => {
                let s = reference(&r).map_err(fail)?;
                add_text(&mut open, &s).map_err(fail)?;
            }
            Event::DocType(_) => {
                return Err(fail(
                    "a document type declaration (<!DOCTYPE>) is not accepted".into(),
                ));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !open.is_empty() {
        return Err(XmlError {
            offset: text.len() as u64,
            problem: format!("the document ends inside <{}>", open[open.len() - 1].name),
        });
    }
    root.ok_or_else(|| XmlError {
        offset: 0,
        problem: "no root element".into(),
    })
}

fn close(open: &mut [Element], root: &mut Option<Element>, done: Element) {
    match open.last_mut() {
        Some(parent) => parent.children.push(done),
        None => *root = Some(done),
    }
}

fn add_text(open: &mut [Element], s: &str) -> Result<(), String> {
    let Some(current) = open.last_mut() else {
        // Whitespace around the root element.
        return if s.trim().is_empty() {
            Ok(())
        } else {
            Err("text outside the root element".into())
        };
    };
    // Indentation between child elements is not text: only what follows
    // text already read can matter ("a &amp; b" arrives in three parts).
    if current.text.is_empty() && s.trim().is_empty() {
        return Ok(());
    }
    if current.text.len() + s.len() > MAX_TEXT {
        return Err(format!(
            "<{}> has more than {MAX_TEXT} characters of text",
            current.name
        ));
    }
    current.text.push_str(s);
    Ok(())
}

fn element(start: &BytesStart) -> Result<Element, String> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("<{name}>: {e}"))?;
        if attributes.len() >= MAX_ATTRIBUTES {
            return Err(format!(
                "<{name}> has more than {MAX_ATTRIBUTES} attributes"
            ));
        }
        let key = String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned();
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| format!("<{name} {key}>: {e}"))?;
        if value.len() > MAX_TEXT {
            return Err(format!(
                "<{name} {key}> is longer than {MAX_TEXT} characters"
            ));
        }
        attributes.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attributes,
        ..Element::default()
    })
}

/// `&name;` in text: XML's five entities and character references only.
fn reference(r: &BytesRef) -> Result<String, String> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            Ok(None) | Err(_) => Err(format!(
                "&{}; is not a valid character reference",
                String::from_utf8_lossy(r)
            )),
        };
    }
    let name = String::from_utf8_lossy(r);
    resolve_xml_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| format!("&{name}; is not defined (only XML's own entities are)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_elements_text_attributes_and_cdata() {
        let root = parse(
            "<?xml version=\"1.0\"?>\n<!-- c --><a x=\"1 &amp; 2\"><b>\n  <![CDATA[ https://e/?a=1&b=2 ]]>\n</b><b/>t&lt;&#65;</a>",
        )
        .unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attribute("x"), Some("1 & 2"));
        assert_eq!(root.all("b").count(), 2);
        assert_eq!(root.first("b").unwrap().text, "https://e/?a=1&b=2");
        assert_eq!(root.text, "t<A");
    }

    #[test]
    fn refuses_a_doctype_and_undeclared_entities() {
        let e = parse("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>").unwrap_err();
        assert!(e.problem.contains("DOCTYPE"), "{e}");
        let e = parse("<a>&x;</a>").unwrap_err();
        assert!(e.problem.contains("&x; is not defined"), "{e}");
    }

    #[test]
    fn bounds_depth_count_size_and_text() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().problem.contains("deeper"));
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        let many = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS));
        assert!(parse(&many).unwrap_err().problem.contains("elements"));
        let big = format!("<a>{}</a>", " ".repeat(MAX_DOCUMENT));
        assert!(parse(&big).unwrap_err().problem.contains("limit"));
        let long = format!("<a>{}</a>", "x".repeat(MAX_TEXT + 1));
        assert!(parse(&long).unwrap_err().problem.contains("characters"));
        // However much indentation there is between elements.
        let indented = format!("<a>{}</a>", format!("<b/>{}", " ".repeat(200)).repeat(200));
        assert_eq!(parse(&indented).unwrap().children.len(), 200);
    }

    #[test]
    fn refuses_broken_documents() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "text",
            "<a x=1/>",
            "<a>&#0;</a>",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
