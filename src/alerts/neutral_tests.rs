//! Tests of the alert-side neutralising helpers.

use super::*;

#[test]
fn newlines_tabs_and_unicode_line_breaks_become_single_spaces() {
    let raw = "alice\n:red_circle: *StopLogging*\r\n\tx\u{2028}y\u{2029}z\u{0085}w  v\u{00A0}u";
    let s = line(raw, 200);
    assert!(!s.as_str().contains(['\n', '\r', '\t', '\u{2028}', '\u{2029}', '\u{0085}']), "{s:?}");
    assert!(!s.as_str().contains("  "), "{s:?}");
    assert!(!s.as_str().contains(":red_circle:"), "no emoji can be faked: {s:?}");
    assert!(!s.as_str().contains('*'), "{s:?}");
}

#[test]
fn bidi_controls_and_zero_width_characters_are_dropped() {
    let raw = "ad\u{202E}nimda\u{2066}x\u{2069}\u{200B}\u{200D}\u{FEFF}\u{061C}\u{200F}\u{E0041}";
    assert_eq!(line(raw, 100).as_str(), "adnimdax");
    assert_eq!(code(raw, 100).as_str(), "adnimdax");
}

#[test]
fn mentions_and_links_cannot_form() {
    let s = line("<!channel> <@U123> <#C1|x> <https://evil.example|click> &amp;", 200);
    assert_eq!(s.as_str(), "&lt;!channel&gt; &lt;@U123&gt; &lt;#C1|x&gt; &lt;https://evil.example|click&gt; &amp;amp;");
    assert_eq!(code("a`b`<!here>", 100).as_str(), "a'b'&lt;!here&gt;");
}

#[test]
fn mrkdwn_markers_are_neutral_but_identifier_underscores_stay() {
    assert_eq!(line("AWSReservedSSO_Admin_1", 100).as_str(), "AWSReservedSSO_Admin_1");
    let s = line("*bold* _it_ ~st~ `code` ```block```", 100);
    for marker in ['*', '~', '`'] {
        assert!(!s.as_str().contains(marker), "{marker} in {s:?}");
    }
    assert!(!s.as_str().contains(" _") && !s.as_str().contains("_ "), "{s:?}");
    assert_eq!(code("*b* _i_", 100).as_str(), "*b* _i_", "markers are inert inside code");
}

#[test]
fn shortcode_runs_lose_their_opening_colon_in_text_but_not_in_code() {
    assert_eq!(line(":a:b:", 10).as_str(), "\u{2236}a\u{2236}b:");
    let arn = "arn:aws:iam::111122223333:user/x";
    assert_eq!(line(arn, 100).as_str(), "arn\u{2236}aws\u{2236}iam::111122223333:user/x");
    assert_eq!(line("14:00:07 :100:", 100).as_str(), "14:00:07 :100:");
    assert_eq!(code(arn, 100).as_str(), arn, "Slack shows code spans literally, so ARNs stay copyable there");
    assert_eq!(line("AROAEXAMPLE:alice", 100).as_str(), "AROAEXAMPLE:alice");
}

#[test]
fn truncation_counts_characters_before_escaping_and_ends_with_an_ellipsis() {
    let s = line(&"가".repeat(10_000), 80);
    assert_eq!(s.chars(), 80);
    assert!(s.as_str().ends_with('…'));
    assert_eq!(line(&"<".repeat(100), 10).chars(), 9 * 4 + 1);
}

#[test]
fn access_key_ids_keep_prefix_and_last_four_and_secrets_are_masked() {
    assert_eq!(line("user AKIAIOSFODNN7EXAMPLE here", 100).as_str(), "user AKIA****MPLE here");
    assert_eq!(mask_keys("xASIAQWERTYUIOPASDFGH"), "xASIA****DFGH");
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    assert_eq!(mask_keys(&format!("k={secret};")), "k=[masked];");
    assert!(has_key_material(secret) && has_key_material("AKIAIOSFODNN7EXAMPLE"));
    let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    assert!(!has_key_material(sha1), "lower-case hex is not a secret");
    assert!(!has_key_material(&format!("{secret}x")), "41 characters is not a secret key");
    assert!(!has_key_material("AKIAshort"));
}

#[test]
fn a_key_split_by_invisible_characters_is_masked_after_they_are_dropped() {
    let s = line("AKIAIOSF\u{200B}ODNN7EXAMPLE", 100);
    assert_eq!(s.as_str(), "AKIA****MPLE");
}

#[test]
fn the_masks_stand_in_character_in_data_is_dropped_and_never_becomes_a_star() {
    assert_eq!(line("a\u{E000}b", 10).as_str(), "ab");
    assert_eq!(code("a\u{E000}b", 10).as_str(), "ab");
}

#[test]
fn a_key_is_masked_before_truncation_so_no_prefix_of_it_survives() {
    let s = line("AKIAIOSFODNN7EXAMPLE", 12);
    assert!(!s.as_str().contains("IOSF"), "{s:?}");
}

#[test]
fn a_cut_that_leaves_a_secret_shaped_run_is_masked_too() {
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let s = line(&format!("x {secret}MORE"), 2 + secret.len() + 1);
    assert!(!s.as_str().contains("wJalr"), "{s:?}");
}
