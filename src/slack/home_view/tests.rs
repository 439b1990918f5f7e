use super::*;
use crate::slack::home_setup::SetupExample;

fn setup() -> Setup {
    Setup {
        engine: "DuckDB".into(),
        model: None,
        sources_on: vec!["cloudtrail".into(), "vpcflow".into()],
        sources_off: vec!["waf".into()],
        library_size: 42,
        examples: (0..3)
            .map(|n| SetupExample {
                id: format!("entry-{n}"),
                question_en: format!("Question {n}?"),
                question_ko: format!("질문 {n}?"),
                window: None,
            })
            .collect(),
    }
}

fn account(n: usize, name: &str, channel: &str, owner: &str) -> AccountConfig {
    AccountConfig {
        id: format!("{:012}", n),
        name: name.into(),
        aliases: vec![],
        channel: channel.into(),
        owner: owner.into(),
    }
}

fn content<'a>(setup: &'a Setup, accounts: &'a [AccountConfig], recent: &'a [RecentQuestion]) -> HomeContent<'a> {
    HomeContent { setup, accounts, default_channel: "", recent, buttons: true, dm_channel: "D0HOME", lang: Lang::En }
}

fn json_of(view: &SlackView) -> Value {
    serde_json::to_value(view).unwrap()
}

#[test]
fn hostile_names_owners_channels_and_questions_are_shown_as_text() {
    let setup = setup();
    let accounts = [account(1, "<!channel> *prod*", "<@U1>", "team `x` <https://evil|click>")];
    let recent = [RecentQuestion { asked_at: 0, question: "<!here> ```drop``` _x_".into() }];
    let text = json_of(&home(&content(&setup, &accounts, &recent)).unwrap()).to_string();
    for bad in ["<!channel>", "<!here>", "<@U1>", "<https://evil", "*prod*", "```", "_x_"] {
        assert!(!text.contains(bad), "{bad} reached the view: {text}");
    }
    assert!(text.contains("&lt;!channel&gt;") && text.contains("&lt;!here&gt;"), "{text}");
}

#[test]
fn a_valid_channel_id_is_a_channel_link_and_the_dm_is_kept_for_the_buttons() {
    let setup = setup();
    let accounts = [account(1, "acme-prod", "C0ALERTS1", "secops")];
    let view = json_of(&home(&content(&setup, &accounts, &[])).unwrap());
    let text = view.to_string();
    assert!(text.contains("acme-prod `000000000001` → <#C0ALERTS1> · owner secops"), "{text}");
    assert_eq!(view["private_metadata"], "D0HOME");
    let actions: Vec<&Value> = view["blocks"].as_array().unwrap().iter().filter(|b| b["type"] == "actions").collect();
    assert_eq!(actions[0]["elements"][2]["value"], "entry-2");
    assert_eq!(actions[0]["elements"][2]["action_id"], "home_example_2");
}

#[test]
fn without_dms_the_examples_are_a_list_not_buttons() {
    let setup = setup();
    let mut c = content(&setup, &[], &[]);
    c.buttons = false;
    let view = json_of(&home(&c).unwrap());
    assert!(view["blocks"].as_array().unwrap().iter().all(|b| b["type"] != "actions"));
    assert!(view.to_string().contains("• Question 1?"));
}

#[test]
fn thousands_of_accounts_stay_within_the_home_limits() {
    let setup = setup();
    let long = "n".repeat(500);
    let accounts: Vec<AccountConfig> = (0..5000).map(|n| account(n, &long, "C0ALERTS1", &long)).collect();
    let recent: Vec<RecentQuestion> =
        (0..5).map(|n| RecentQuestion { asked_at: n, question: "q".repeat(2000) }).collect();
    let view = json_of(&home(&content(&setup, &accounts, &recent)).unwrap());
    let blocks = view["blocks"].as_array().unwrap();
    assert!(blocks.len() <= MAX_HOME_BLOCKS, "{} blocks", blocks.len());
    for b in blocks {
        let t = b["text"]["text"].as_str().unwrap_or("");
        assert!(t.chars().count() <= MAX_SECTION_TEXT, "{} characters", t.chars().count());
    }
    assert!(view.to_string().contains("more accounts"));
}

#[test]
fn a_refused_person_sees_the_reason_and_nothing_of_the_setup() {
    let view = json_of(&refused("Sorry, you are not on the list.", Lang::En).unwrap());
    let text = view.to_string();
    assert!(text.contains("not on the list"));
    assert!(!text.contains("Engine") && !text.contains("Alert channels"));
}
