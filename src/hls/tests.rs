//! The playlist parser's tests: master and media playlists, live ones,
//! byte ranges, keys, bounds and hostile input.

use super::*;

fn base() -> Url {
    Url::parse("https://cdn.example.com/show/ep1/index.m3u8").unwrap()
}

fn parse_str(s: &str) -> Result<Parsed, PlaylistError> {
    parse(s.as_bytes(), &base(), &UrlPolicy::default())
}

fn parse_live_str(s: &str) -> Result<MediaPlan, PlaylistError> {
    match parse_live(s.as_bytes(), &base(), &UrlPolicy::default())? {
        Parsed::Media(plan) => Ok(plan),
        Parsed::Master { .. } => panic!("a master playlist"),
    }
}

#[test]
fn a_live_playlist_is_read_for_a_channel_and_refused_for_an_episode() {
    let text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1000\n\
                #EXT-X-PROGRAM-DATE-TIME:2026-12-06T10:00:00Z\n#EXTINF:2,\na.ts\n\
                #EXTINF:1.5,\nb.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2,\nc.ts\n";
    let plan = parse_live_str(text).unwrap();
    assert!(plan.live);
    assert_eq!(plan.target_duration, Duration::from_secs(2));
    let seq: Vec<u64> = plan.segments.iter().map(|s| s.sequence).collect();
    assert_eq!(seq, [1000, 1001, 1002]);
    assert!(plan.segments[2].discontinuity);
    // The date on air runs on from the last tag by the durations.
    let at = |i: usize| plan.segments[i].program_date_time.unwrap().to_rfc3339();
    assert_eq!(at(0), "2026-12-06T10:00:00+00:00");
    assert_eq!(at(2), "2026-12-06T10:00:03.500+00:00");
    // An episode must be VOD.
    let e = parse_str(text).unwrap_err();
    assert!(matches!(e, PlaylistError::Unsupported(_)), "{e}");
    // A VOD playlist read as live is not live.
    let vod =
        parse_live_str("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n")
            .unwrap();
    assert!(!vod.live);
    assert_eq!(vod.segments[0].program_date_time, None);
}

#[test]
fn a_live_playlist_bounds_its_pace() {
    for td in ["0", "31", "99999999999"] {
        let e = parse_live_str(&format!(
            "#EXTM3U\n#EXT-X-TARGETDURATION:{td}\n#EXTINF:1,\na.ts\n"
        ))
        .unwrap_err();
        assert!(e.to_string().contains("EXT-X-TARGETDURATION"), "{td}: {e}");
    }
    let e = parse_live_str("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:9,\na.ts\n").unwrap_err();
    assert!(e.to_string().contains("segment 1 lasts 9 s"), "{e}");
    // Sequence numbers past the top of the range are refused, not
    // wrapped or repeated.
    let e = parse_live_str(
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:18446744073709551615\n\
         #EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("EXT-X-MEDIA-SEQUENCE"), "{e}");
}

#[test]
fn media_playlist_with_map_and_byteranges() {
    let p = parse_str(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"init.mp4\"\n\
         #EXTINF:2.0,\n#EXT-X-BYTERANGE:1000@0\nall.m4s\n\
         #EXTINF:1.5,\n#EXT-X-BYTERANGE:500\nall.m4s\n#EXT-X-ENDLIST\n",
    )
    .unwrap();
    let Parsed::Media(plan) = p else { panic!() };
    assert_eq!(plan.inits.len(), 1);
    assert_eq!(
        plan.inits[0].source.url.as_str(),
        "https://cdn.example.com/show/ep1/init.mp4"
    );
    assert_eq!(plan.segments.len(), 2);
    assert_eq!(plan.segments[0].source.range, Some((0, 1000)));
    assert_eq!(plan.segments[1].source.range, Some((1000, 500)));
    // The map carries forward to segments after the one it precedes.
    assert_eq!(plan.segments[1].init, Some(0));
    assert_eq!(plan.duration(), Duration::from_millis(3500));
}

#[test]
fn master_playlist_variants() {
    let p = parse_str(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=360x640\nlow/index.m3u8\n\
         #EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1080x1920\nhigh/index.m3u8\n",
    )
    .unwrap();
    let Parsed::Master {
        variants: v,
        audio,
        subtitles,
    } = p
    else {
        panic!()
    };
    assert!(audio.is_empty() && subtitles.is_empty());
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].bandwidth, 800_000);
    assert_eq!(
        v[1].url.as_str(),
        "https://cdn.example.com/show/ep1/high/index.m3u8"
    );
    assert_eq!(v[1].resolution, Some((1080, 1920)));
}

#[test]
fn audio_renditions_of_a_master() {
    let p = parse_str(
        "#EXTM3U\n\
         #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",LANGUAGE=\"en\",NAME=\"English\",DEFAULT=YES,URI=\"en/a.m3u8\"\n\
         #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",LANGUAGE=\"es\",NAME=\"Espanol\",URI=\"es/a.m3u8\"\n\
         #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"sub\",LANGUAGE=\"en\",NAME=\"English\",URI=\"en/s.m3u8\"\n\
         #EXT-X-STREAM-INF:BANDWIDTH=800000,AUDIO=\"aud\"\nv/index.m3u8\n",
    )
    .unwrap();
    let Parsed::Master {
        variants,
        audio,
        subtitles,
    } = p
    else {
        panic!()
    };
    assert_eq!(variants[0].audio_group.as_deref(), Some("aud"));
    assert_eq!(subtitles.len(), 1);
    assert_eq!(
        subtitles[0].url.as_str(),
        "https://cdn.example.com/show/ep1/en/s.m3u8"
    );
    assert_eq!(audio.len(), 2);
    assert_eq!(audio[1].language.as_deref(), Some("es"));
    assert!(audio[0].default && !audio[1].default);
    assert_eq!(
        audio[1].url.as_ref().unwrap().as_str(),
        "https://cdn.example.com/show/ep1/es/a.m3u8"
    );
    // A rendition URL the policy refuses refuses the whole playlist.
    let e = parse_str(
        "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"x\",URI=\"http://evil.example/a.m3u8\"\n\
         #EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO=\"a\"\nv.m3u8\n",
    )
    .unwrap_err();
    assert_eq!(e.kind(), "refused", "{e}");
}

#[test]
fn refused_and_malformed() {
    let e = parse_str("#EXTM3U\n#EXTINF:2,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n").unwrap_err();
    assert_eq!(e.kind(), "refused", "{e}");
    let e = parse_str("<html>nope</html>").unwrap_err();
    assert_eq!(e.kind(), "malformed");
    assert!(e.to_string().contains("#EXTM3U"), "{e}");
    let e = parse_str("#EXTM3U\n#EXT-X-ENDLIST\n").unwrap_err();
    assert!(e.to_string().contains("no segments"), "{e}");
    let e = parse_str("#EXTM3U\n#EXTINF:x,\na.ts\n#EXT-X-ENDLIST\n").unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
    let e = parse_str("#EXTM3U\na.ts\n#EXT-X-ENDLIST\n").unwrap_err();
    assert!(e.to_string().contains("no #EXTINF"), "{e}");
    let e = parse_str("#EXTM3U\n#EXTINF:2,\na.ts\n").unwrap_err();
    assert_eq!(e.kind(), "unsupported", "{e}");
    let e = parse_str(
        "#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n",
    )
    .unwrap_err();
    assert_eq!(e.kind(), "unsupported", "{e}");
    assert!(e.to_string().contains("SAMPLE-AES"), "{e}");
    let e = parse_str(
        "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"skd://x\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\n\
         #EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("KEYFORMAT"), "{e}");
    let e = parse_str("#EXTM3U\n#EXT-X-KEY:METHOD=AES-128\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n")
        .unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
    let e = parse_str(
        "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=12\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("IV"), "{e}");
    // A key URL the policy refuses refuses the playlist.
    let e = parse_str(
        "#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"http://evil.example/k\"\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n",
    )
    .unwrap_err();
    assert_eq!(e.kind(), "refused", "{e}");
}

#[test]
fn keys_in_force_rotation_and_sequence_ivs() {
    let p = parse_str(
        "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:40\n#EXT-X-KEY:METHOD=AES-128,URI=\"k1\"\n\
         #EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n\
         #EXT-X-KEY:METHOD=AES-128,URI=\"k2\",IV=0x00000000000000000000000000000009\n#EXTINF:2,\nc.ts\n\
         #EXT-X-KEY:METHOD=NONE\n#EXTINF:2,\nd.ts\n#EXT-X-ENDLIST\n",
    )
    .unwrap();
    let Parsed::Media(plan) = p else { panic!() };
    let keys: Vec<Option<&str>> = plan
        .segments
        .iter()
        .map(|s| s.key.as_ref().map(|k| k.key.path()))
        .collect();
    assert_eq!(
        keys,
        [
            Some("/show/ep1/k1"),
            Some("/show/ep1/k1"),
            Some("/show/ep1/k2"),
            None
        ]
    );
    let first = plan.segments[1].key.as_ref().unwrap();
    assert_eq!(first.iv_for(plan.segments[1].sequence)[15], 41);
    let second = plan.segments[2].key.as_ref().unwrap();
    assert_eq!(second.iv_for(plan.segments[2].sequence)[15], 9);
}

#[test]
fn an_init_section_takes_the_key_in_force_at_its_map() {
    // The key comes after the map: the init section is in the clear,
    // the segment is not.
    let p = parse_str(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-MAP:URI=\"init.mp4\"\n\
         #EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n#EXTINF:2,\na.m4s\n#EXT-X-ENDLIST\n",
    )
    .unwrap();
    let Parsed::Media(plan) = p else { panic!() };
    assert_eq!(plan.inits[0].key, None);
    assert!(plan.segments[0].key.is_some());
    // Before it, with an IV: both encrypted.
    let p = parse_str(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x1\n\
         #EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2,\na.m4s\n#EXT-X-ENDLIST\n",
    )
    .unwrap();
    let Parsed::Media(plan) = p else { panic!() };
    assert!(plan.inits[0].key.is_some());
    // Before it without an IV: an init section has no sequence number.
    let e = parse_str(
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n\
         #EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2,\na.m4s\n#EXT-X-ENDLIST\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("no IV"), "{e}");
}

#[test]
fn numbers_out_of_bounds_are_errors_not_panics() {
    for (text, what) in [
        (
            "#EXTM3U\n#EXTINF:99999999999999999999999999999999,\na.ts\n#EXT-X-ENDLIST\n",
            "invalid duration",
        ),
        (
            "#EXTM3U\n#EXTINF:340282346638528859811704183484516925440,\na.ts\n#EXT-X-ENDLIST\n",
            "invalid duration",
        ),
        (
            "#EXTM3U\n#EXTINF:2,\n#EXT-X-BYTERANGE:18446744073709551615@18446744073709551615\na.ts\n#EXT-X-ENDLIST\n",
            "out of bounds",
        ),
        (
            "#EXTM3U\n#EXTINF:2,\n#EXT-X-BYTERANGE:0@0\na.ts\n#EXT-X-ENDLIST\n",
            "out of bounds",
        ),
        (
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=18446744073709551615\nv.m3u8\n",
            "BANDWIDTH",
        ),
    ] {
        let e = parse_str(text).expect_err(text);
        assert_eq!(e.kind(), "malformed", "{text}: {e}");
        assert!(e.to_string().contains(what), "{text}: {e}");
    }
    let mut long = String::from("#EXTM3U\n");
    for i in 0..=(MAX_PLAYLIST_SECONDS as usize / 500) {
        long.push_str(&format!("#EXTINF:500,\ns{i}.ts\n"));
    }
    long.push_str("#EXT-X-ENDLIST\n");
    let e = parse_str(&long).unwrap_err();
    assert!(e.to_string().contains("last more than"), "{e}");
}

#[test]
fn sniffing() {
    assert!(looks_like_playlist(b"\xEF\xBB\xBF\n #EXTM3U\n"));
    assert!(!looks_like_playlist(b"\0\0\0\x20ftypisom"));
}
