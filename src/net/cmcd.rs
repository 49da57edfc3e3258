//! Common Media Client Data (CTA-5004): what the player tells the CDN about
//! each media request, as a `CMCD` query key or as `CMCD-*` headers. Off
//! unless configured.

/// How CMCD data travels, if at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CmcdMode {
    #[default]
    Off,
    /// One `CMCD=` query parameter.
    Query,
    /// `CMCD-Object`, `CMCD-Request`, `CMCD-Session` headers.
    Headers,
}

/// Object types (`ot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectType {
    Manifest,
    Init,
    /// Muxed audio and video.
    AudioVideo,
    Other,
}

impl ObjectType {
    fn token(self) -> &'static str {
        match self {
            ObjectType::Manifest => "m",
            ObjectType::Init => "i",
            ObjectType::AudioVideo => "av",
            ObjectType::Other => "o",
        }
    }
}

/// The keys sent with one request; `None` keys are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmcdData {
    /// Encoded bitrate, kbit/s.
    pub br: Option<u64>,
    /// Buffer length, ms (rounded to 100 ms as the spec asks).
    pub bl: Option<u64>,
    /// Content id.
    pub cid: Option<String>,
    /// Object duration, ms.
    pub d: Option<u64>,
    /// Measured throughput, kbit/s (rounded to 100).
    pub mtp: Option<u64>,
    pub ot: ObjectType,
    /// Streaming format: `h` for HLS, none for progressive.
    pub sf: Option<char>,
    /// Session id, one per player.
    pub sid: String,
    /// Startup: the object is needed urgently to start or resume.
    pub su: bool,
}

fn round_to(v: u64, step: u64) -> u64 {
    (v + step / 2) / step * step
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

impl CmcdData {
    /// (key, encoded value, header) in key order; a bare key for `true`.
    fn pairs(&self) -> Vec<(&'static str, Option<String>, &'static str)> {
        let mut v = Vec::new();
        if let Some(bl) = self.bl {
            v.push(("bl", Some(round_to(bl, 100).to_string()), "CMCD-Request"));
        }
        if let Some(br) = self.br {
            v.push(("br", Some(br.to_string()), "CMCD-Object"));
        }
        if let Some(cid) = &self.cid {
            v.push(("cid", Some(quote(cid)), "CMCD-Session"));
        }
        if let Some(d) = self.d {
            v.push(("d", Some(d.to_string()), "CMCD-Object"));
        }
        if let Some(mtp) = self.mtp {
            v.push(("mtp", Some(round_to(mtp, 100).to_string()), "CMCD-Request"));
        }
        v.push(("ot", Some(self.ot.token().to_owned()), "CMCD-Object"));
        if let Some(sf) = self.sf {
            v.push(("sf", Some(sf.to_string()), "CMCD-Session"));
        }
        v.push(("sid", Some(quote(&self.sid)), "CMCD-Session"));
        v.push(("st", Some("v".to_owned()), "CMCD-Session"));
        if self.su {
            v.push(("su", None, "CMCD-Request"));
        }
        v
    }

    fn join<'a>(
        pairs: impl Iterator<Item = &'a (&'static str, Option<String>, &'static str)>,
    ) -> String {
        pairs
            .map(|(k, v, _)| match v {
                Some(v) => format!("{k}={v}"),
                None => (*k).to_owned(),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The value of the `CMCD` query parameter (before URL encoding).
    pub fn query_value(&self) -> String {
        Self::join(self.pairs().iter())
    }

    /// Header name and value for each non-empty CMCD header.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let pairs = self.pairs();
        ["CMCD-Object", "CMCD-Request", "CMCD-Session"]
            .into_iter()
            .filter_map(|h| {
                let value = Self::join(pairs.iter().filter(|p| p.2 == h));
                (!value.is_empty()).then_some((h, value))
            })
            .collect()
    }
}

/// A session id: random, in UUID form, as the spec recommends.
pub fn new_session_id() -> String {
    let a = fastrand::u64(..);
    let b = fastrand::u64(..);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> CmcdData {
        CmcdData {
            br: Some(3000),
            bl: Some(4_049),
            cid: Some("ep-12".into()),
            d: Some(2000),
            mtp: Some(25_432),
            ot: ObjectType::AudioVideo,
            sf: Some('h'),
            sid: "6e2fb550-c457-11e9-bb97-0800200c9a66".into(),
            su: true,
        }
    }

    #[test]
    fn query_value_is_sorted_rounded_and_quoted() {
        assert_eq!(
            data().query_value(),
            "bl=4000,br=3000,cid=\"ep-12\",d=2000,mtp=25400,ot=av,sf=h,\
             sid=\"6e2fb550-c457-11e9-bb97-0800200c9a66\",st=v,su"
        );
    }

    #[test]
    fn headers_split_keys_by_kind() {
        let h = data().headers();
        assert_eq!(h[0], ("CMCD-Object", "br=3000,d=2000,ot=av".to_owned()));
        assert_eq!(h[1], ("CMCD-Request", "bl=4000,mtp=25400,su".to_owned()));
        assert_eq!(
            h[2],
            (
                "CMCD-Session",
                "cid=\"ep-12\",sf=h,sid=\"6e2fb550-c457-11e9-bb97-0800200c9a66\",st=v".to_owned()
            )
        );
    }

    #[test]
    fn session_ids_look_like_uuids() {
        let id = new_session_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert_ne!(id, new_session_id());
    }
}
